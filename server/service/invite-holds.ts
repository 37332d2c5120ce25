/**
 * Two-phase use of an invite, for a registration side that checks a token before it creates the
 * account and can only confirm the use afterwards (Prosody): hold, then confirm or release.
 */
import { DomainError } from '../domain/errors.js';
import { formatDurationSeconds } from '../domain/duration.js';
import { inviteUnavailable } from '../domain/invite-status.js';
import type { HoldRecord, InviteRecord } from '../domain/invite.js';
import { randomToken } from '../domain/random-token.js';
import type { HoldEnd, InviteHoldStore } from '../store/invite-hold-store.js';
import type { QuotaStore } from '../store/store.js';
import { recordRedeemed, type AuditLog } from './audit-log.js';
import type { Caller } from './caller-authenticator.js';
import type { InviteLookup } from './invite-lookup.js';
import type { Redeemed } from './invite-redemption.js';
import { checkBoundAccount, claimFreeUse, settleUseTaken, validateAccount } from './invite-use-claim.js';
import type { Invite } from './invite-view.js';
import { callerActor } from './audit-log.js';
import { inviteRedeemed, withEvent, type ChangeEvents } from './webhook-events.js';

/** 16 random bytes: a hold id cannot be guessed, so only whoever held the use confirms or releases it. */
const HOLD_ID_BYTES = 16;
const HOLD_ID_SHAPE = /^[A-Za-z0-9_-]{1,64}$/;

export interface InviteHoldDeps {
  holds: InviteHoldStore;
  /** Where a used-up invite gives its key's quota slot back. */
  quotas: QuotaStore;
  now: () => Date;
  /** How long a use stays held without a confirm (INVITES_HOLD_TTL). */
  holdTtlSeconds: number;
  audit?: AuditLog;
  events?: ChangeEvents;
  lookup: InviteLookup;
}

export interface InviteHold {
  invite: Invite;
  holdId: string;
  heldUntil: Date;
  use: number;
}

async function findHold(
  deps: InviteHoldDeps,
  record: InviteRecord,
  holdId: string,
): Promise<{ hold: HoldRecord; end: HoldEnd | undefined }> {
  const found = HOLD_ID_SHAPE.test(holdId) ? await deps.holds.find(record, holdId) : undefined;
  if (!found) throw new DomainError('not_found', 'hold not found: use the hold_id HoldInvite answered for this token');
  return found;
}

function endedError(deps: InviteHoldDeps, end: HoldEnd): DomainError {
  if (end.fate === 'revoked') return inviteUnavailable('revoked');
  if (end.fate === 'released')
    return new DomainError('failed_precondition', 'hold released: its use was given back with ReleaseInvite; hold the invite again');
  return new DomainError(
    'failed_precondition',
    `hold lapsed: it was not confirmed within ${formatDurationSeconds(deps.holdTtlSeconds)} ` +
      `and its use went back to the invite; hold the invite again`,
  );
}

/** Reserves a use for `account`; failed_precondition when none is left or the invite is bound to another account. */
export async function holdInviteFor(deps: InviteHoldDeps, caller: Caller, token: string, account: string): Promise<InviteHold> {
  validateAccount(account);
  const { lookup } = deps;
  const record = await lookup.findOfCaller(caller, token);
  const before = await lookup.describeOne(record);
  // A retry (the answer to the first call was lost) gets the hold it already has.
  const earlier = before.holds.find((h) => h.account === account);
  if (earlier) return { invite: before, holdId: earlier.holdId, heldUntil: earlier.heldUntil, use: earlier.use };
  if (before.status !== 'valid') throw inviteUnavailable(before.status);
  checkBoundAccount(record, account);
  const heldAt = deps.now();
  const hold = {
    token,
    account,
    holdId: randomToken(HOLD_ID_BYTES),
    heldAt,
    heldUntil: new Date(heldAt.getTime() + deps.holdTtlSeconds * 1000),
  };
  const use = await claimFreeUse(deps, record, before, async (use) => {
    const claim = await deps.holds.claim({ ...hold, use }, record.expiresAt);
    return claim === 'held' ? 'won' : claim;
  });
  return { invite: await lookup.describeOne(record), holdId: hold.holdId, heldUntil: hold.heldUntil, use };
}

/** Makes the held use a redemption; the same answer on every retry (`replayed` then). */
export async function confirmInviteFor(deps: InviteHoldDeps, caller: Caller, token: string, holdId: string): Promise<Redeemed> {
  const record = await deps.lookup.findOfCaller(caller, token);
  const { hold, end: earlier } = await findHold(deps, record, holdId);
  const at = deps.now();
  // Confirmed unless a lapse, release or revocation inserted its end first (then that one answers).
  const event = inviteRedeemed(record, hold.use, hold.account, at, callerActor(caller));
  const end = await withEvent(
    deps.events,
    event,
    () => deps.holds.end(hold, 'confirmed', at, record.expiresAt),
    // Made by this call only when its own end was inserted (a retry's end is the earlier one).
    (e) => e.fate === 'confirmed' && e.at.getTime() === at.getTime(),
  );
  if (end.fate !== 'confirmed') throw endedError(deps, end);
  // Confirmed before (a retry), or by a concurrent confirm whose end was inserted first.
  const replayed = earlier !== undefined || end.at.getTime() !== at.getTime();
  if (!replayed) await recordRedeemed(deps.audit, caller, record, end.at);
  const redemption = { token, use: hold.use, account: hold.account, redeemedAt: end.at };
  const after = await deps.lookup.describeOne(record);
  await settleUseTaken(deps, record, after, replayed);
  return { invite: after, redemption, replayed };
}

/** Gives the held use back; nothing to do once it lapsed, was released or the invite revoked. */
export async function releaseInviteFor(deps: InviteHoldDeps, caller: Caller, token: string, holdId: string): Promise<void> {
  const record = await deps.lookup.findOfCaller(caller, token);
  const { hold } = await findHold(deps, record, holdId);
  const end = await deps.holds.end(hold, 'released', deps.now(), record.expiresAt);
  if (end.fate === 'confirmed') {
    throw new DomainError(
      'failed_precondition',
      'hold already confirmed: its use is a redemption and cannot be given back (revoke the invite to stop further uses)',
    );
  }
}
