/** Taking one use of an invite (RedeemInvite, HoldInvite): for which account, and which use number. */
import { DomainError } from '../domain/errors.js';
import type { InviteRecord } from '../domain/invite.js';
import { isBoundAccount } from '../domain/invite-kind.js';
import { inviteUnavailable } from '../domain/invite-status.js';
import type { InviteHoldStore } from '../store/invite-hold-store.js';
import type { InviteLookup } from './invite-lookup.js';
import type { Invite } from './invite-view.js';
import { releaseSlot, type QuotaDeps } from './invite-quotas.js';
import { recordIfUsedUp, type ChangeEvents } from './webhook-events.js';

export const MAX_ACCOUNT_LENGTH = 1023;

/** An account as the registration side names it (`alice` or `alice@example.com`). */
export function validateAccount(account: string): void {
  if (!account || account.length > MAX_ACCOUNT_LENGTH || /[\s\p{Cc}]/u.test(account)) {
    throw new DomainError(
      'invalid_argument',
      `account must be 1 to ${MAX_ACCOUNT_LENGTH} characters without spaces or control characters, e.g. alice or alice@example.com`,
    );
  }
}

/** Who an invite is for: a bound (or password-reset) invite serves only its username. */
export function checkBoundAccount(record: InviteRecord, account: string): void {
  if (record.username && !isBoundAccount(record.username, record.host, account)) {
    throw new DomainError(
      'failed_precondition',
      `this invite is for the account ${record.username}: it cannot register or reset ${account}`,
    );
  }
}

/** What claiming one use number came to. */
export type UseClaim = 'won' | 'taken' | 'revoked';

/**
 * Claims a free use of an invite with `claim` (an insert under the use's unique key, so whoever
 * inserts use N first owns it on every engine). Tries the uses `before` did not show taken, in
 * order; a use held by a lapsed hold is given back (reclaimed) and tried once more. Throws
 * failed_precondition (revoked or used up) when no use is left.
 */
export async function claimFreeUse(
  deps: { holds: InviteHoldStore; now: () => Date; lookup: InviteLookup },
  record: InviteRecord,
  before: Invite,
  claim: (use: number) => Promise<UseClaim>,
): Promise<number> {
  const taken = new Set([...before.redemptions.map((r) => r.use), ...before.holds.map((h) => h.use)]);
  for (let use = 1; use <= record.maxUses; use++) {
    if (taken.has(use)) continue;
    for (let attempt = 0; attempt < 2; attempt++) {
      const outcome = await claim(use);
      if (outcome === 'won') return use;
      if (outcome === 'revoked') throw inviteUnavailable('revoked');
      if (attempt > 0 || !(await deps.holds.reclaim(record.token, use, deps.now()))) break;
    }
  }
  // Every use is taken: by redemptions and holds, or by a revocation that voids the free ones.
  const after = await deps.lookup.describeOne(record);
  throw inviteUnavailable(after.revokedAt ? 'revoked' : 'used_up');
}

/**
 * After a use was taken (`after` is the invite then): if that used it up, its `invite.used_up`
 * event (unless the call was a replay, which took no use) and the key's max_valid_invites slot
 * back. Judged by the invite's current max_uses, which UpdateInvite can change.
 */
export async function settleUseTaken(
  deps: QuotaDeps & { events?: ChangeEvents | undefined },
  record: InviteRecord,
  after: Invite,
  replayed: boolean,
): Promise<void> {
  if (!replayed) await recordIfUsedUp(deps.events, { ...record, maxUses: after.maxUses }, after.redemptions);
  if (after.redemptions.length >= after.maxUses) await releaseSlot(deps, record);
}
