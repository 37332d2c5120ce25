import type { RedemptionRecord } from '../domain/invite.js';
import { inviteUnavailable } from '../domain/invite-status.js';
import type { InviteHoldStore } from '../store/invite-hold-store.js';
import type { InviteStore, QuotaStore } from '../store/store.js';
import { recordRedeemed, type AuditLog } from './audit-log.js';
import type { Caller } from './caller-authenticator.js';
import type { InviteLookup } from './invite-lookup.js';
import { checkBoundAccount, claimFreeUse, settleUseTaken, validateAccount } from './invite-use-claim.js';
import type { Invite } from './invite-view.js';
import { callerActor } from './audit-log.js';
import { inviteRedeemed, withEvent, type ChangeEvents } from './webhook-events.js';

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
  deps: {
    invites: InviteStore;
    /** Uses held by registrations in progress: a redeem respects them and reclaims lapsed ones. */
    holds: InviteHoldStore;
    quotas: QuotaStore;
    now: () => Date;
    audit?: AuditLog;
    events?: ChangeEvents;
    lookup: InviteLookup;
  },
  caller: Caller,
  token: string,
  account: string,
): Promise<Redeemed> {
  validateAccount(account);
  const { lookup } = deps;
  const record = await lookup.findOfCaller(caller, token);

  const before = await lookup.describeOne(record);
  // A retry (the answer to the first call was lost) takes no second use: the account has its use.
  const earlier = before.redemptions.find((r) => r.account === account);
  if (earlier) return { invite: before, redemption: earlier, replayed: true };
  if (before.status !== 'valid') throw inviteUnavailable(before.status);
  checkBoundAccount(record, account);
  // A free use is claimed by inserting it under its unique id (see claimFreeUse).
  let redemption: RedemptionRecord | undefined;
  await claimFreeUse(deps, record, before, async (use) => {
    redemption = { token, use, account, redeemedAt: deps.now() };
    const event = inviteRedeemed(record, use, account, redemption.redeemedAt, callerActor(caller));
    const won = await withEvent(
      deps.events,
      event,
      () => deps.invites.claimUse(redemption!, record.expiresAt),
      (w) => w,
    );
    return won ? 'won' : 'taken';
  });
  await recordRedeemed(deps.audit, caller, record, redemption!.redeemedAt);
  const after = await lookup.describeOne(record);
  await settleUseTaken(deps, record, after, false);
  return { invite: after, redemption: redemption!, replayed: false };
}
