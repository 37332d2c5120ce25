import { DomainError } from '../domain/errors.js';
import type { RedemptionRecord } from '../domain/invite.js';
import { inviteUnavailable } from '../domain/invite-status.js';
import type { InviteStore } from '../store/store.js';
import { callerActor, type AuditLog } from './audit-log.js';
import type { Caller } from './caller-authenticator.js';
import { inviteNotFound, type InviteLookup } from './invite-lookup.js';
import type { Invite } from './invite-view.js';

export const MAX_ACCOUNT_LENGTH = 1023;

export interface Redeemed {
  invite: Invite;
  redemption: RedemptionRecord;
  /** True when the account had already redeemed it: its earlier redemption, no use taken. */
  replayed: boolean;
}

/**
 * Consumes one use of the invite for `account`, exactly once, or throws failed_precondition
 * saying why not. An account that already redeemed it gets its earlier redemption back.
 */
export async function redeemInviteFor(
  deps: { invites: InviteStore; now: () => Date; audit?: AuditLog; lookup: InviteLookup },
  caller: Caller,
  token: string,
  account: string,
): Promise<Redeemed> {
  if (!account || account.length > MAX_ACCOUNT_LENGTH || /[\s\p{Cc}]/u.test(account)) {
    throw new DomainError('invalid_argument', `account must be 1 to ${MAX_ACCOUNT_LENGTH} characters without spaces or control characters, e.g. alice or alice@example.com`);
  }
  const { lookup } = deps;
  const record = await lookup.find(token);
  if (caller.kind === 'key' && record.host !== caller.key.host) throw inviteNotFound();

  const before = await lookup.describeOne(record);
  // A retry (the answer to the first call was lost) takes no second use: the account has its use.
  const earlier = before.redemptions.find((r) => r.account === account);
  if (earlier) return { invite: before, redemption: earlier, replayed: true };
  if (before.status !== 'valid') throw inviteUnavailable(before.status);
  // Claim the next use by inserting it under its unique id: whoever inserts use N first owns
  // it, on every engine. Uses are taken in order, so the claimed ones are always 1..k and
  // the first free one is at or after what we saw; a conflict means someone else got N.
  for (let use = before.redemptions.length + 1; use <= record.maxUses; use++) {
    const redemption: RedemptionRecord = { token, use, account, redeemedAt: deps.now() };
    if (await deps.invites.claimUse(redemption, record.expiresAt)) {
      await deps.audit?.record({ action: 'invite_redeemed', actor: callerActor(caller), host: record.host, keyId: record.keyId, inviteToken: token, at: redemption.redeemedAt });
      return { invite: await lookup.describeOne(record), redemption, replayed: false };
    }
  }
  // Every use is taken: by redemptions, or by a revocation that voids the free ones.
  const after = await lookup.describeOne(record);
  throw inviteUnavailable(after.revokedAt ? 'revoked' : 'used_up');
}
