import type { HostConfig } from '../config/config.js';
import { DomainError } from '../domain/errors.js';
import { formatDurationSeconds } from '../domain/duration.js';
import { inviteUnavailable } from '../domain/invite-status.js';
import { randomToken } from '../domain/random-token.js';
import type { HoldEnd, HoldRecord, InviteHoldStore } from '../store/invite-hold-store.js';
import type { InviteStore, RedemptionRecord } from '../store/store.js';
import type { AuditLog } from './audit-log.js';
import type { CallerAuthenticator } from './caller-authenticator.js';
import { actorOf, checkBoundAccount, claimFreeUse, findInvite, findInviteOfCaller, inviteDescriber, validateAccount } from './invite-lookup.js';
import type { Invite } from './invite-view.js';
import type { PresentedCredential } from './key-authenticator.js';

/** 16 random bytes: a hold id cannot be guessed, so only whoever held the use confirms or releases it. */
const HOLD_ID_BYTES = 16;
const HOLD_ID_SHAPE = /^[A-Za-z0-9_-]{1,64}$/;

export interface InviteHoldDeps {
  invites: InviteStore;
  holds: InviteHoldStore;
  callers: CallerAuthenticator;
  hosts: ReadonlyMap<string, HostConfig>;
  now: () => Date;
  /** How long a use stays held without a confirm (INVITES_HOLD_TTL). */
  holdTtlSeconds: number;
  audit?: AuditLog;
}

export interface InviteHold {
  invite: Invite;
  holdId: string;
  heldUntil: Date;
  use: number;
}

/**
 * Two-phase use of an invite, for a registration side that checks a token before it creates the
 * account and can only confirm the use afterwards (Prosody): hold, then confirm or release.
 */
export interface InviteHoldService {
  /** Reserves a use for `account`; failed_precondition when none is left or the invite is bound to another account. */
  holdInvite(credential: PresentedCredential, token: string, account: string): Promise<InviteHold>;
  /** Makes the held use a redemption; the same answer on every retry. */
  confirmInvite(credential: PresentedCredential, token: string, holdId: string): Promise<{ invite: Invite; redemption: RedemptionRecord }>;
  /** Gives the held use back; nothing to do once it lapsed, was released or the invite revoked. */
  releaseInvite(credential: PresentedCredential, token: string, holdId: string): Promise<void>;
  /** The whole invite for a caller with a key of its host or the admin token; undefined without a credential or for another host's key. */
  inviteDetail(credential: PresentedCredential, token: string): Promise<Invite | undefined>;
}

export function createInviteHoldService(deps: InviteHoldDeps): InviteHoldService {
  const { describeOne } = inviteDescriber(deps);

  const findHold = async (token: string, holdId: string): Promise<{ hold: HoldRecord; end: HoldEnd | undefined }> => {
    const found = HOLD_ID_SHAPE.test(holdId) ? await deps.holds.find(token, holdId) : undefined;
    if (!found) throw new DomainError('not_found', 'hold not found: use the hold_id HoldInvite answered for this token');
    return found;
  };

  const endedMessage = (end: HoldEnd): DomainError => {
    if (end.fate === 'revoked') return inviteUnavailable('revoked');
    if (end.fate === 'released') return new DomainError('failed_precondition', 'hold released: its use was given back with ReleaseInvite; hold the invite again');
    return new DomainError(
      'failed_precondition',
      `hold lapsed: it was not confirmed within ${formatDurationSeconds(deps.holdTtlSeconds)} and its use went back to the invite; hold the invite again`,
    );
  };

  return {
    async holdInvite(credential, token, account) {
      const caller = await deps.callers.authenticate(credential);
      validateAccount(account);
      const record = await findInviteOfCaller(deps.invites, caller, token);
      const before = await describeOne(record);
      // A retry (the answer to the first call was lost) gets the hold it already has.
      const earlier = before.holds.find((h) => h.account === account);
      if (earlier) return { invite: before, holdId: earlier.holdId, heldUntil: earlier.heldUntil, use: earlier.use };
      if (before.status !== 'valid') throw inviteUnavailable(before.status);
      checkBoundAccount(record, account);
      const heldAt = deps.now();
      const hold = { token, account, holdId: randomToken(HOLD_ID_BYTES), heldAt, heldUntil: new Date(heldAt.getTime() + deps.holdTtlSeconds * 1000) };
      const use = await claimFreeUse(
        deps,
        record,
        before,
        async (use) => {
          const claim = await deps.holds.claim({ ...hold, use }, record.expiresAt);
          return claim === 'held' ? 'won' : claim;
        },
        describeOne,
      );
      return { invite: await describeOne(record), holdId: hold.holdId, heldUntil: hold.heldUntil, use };
    },

    async confirmInvite(credential, token, holdId) {
      const caller = await deps.callers.authenticate(credential);
      const record = await findInviteOfCaller(deps.invites, caller, token);
      const { hold, end: earlier } = await findHold(token, holdId);
      // Confirmed unless a lapse, release or revocation inserted its end first (then that one answers).
      const end = await deps.holds.end(hold, 'confirmed', deps.now(), record.expiresAt);
      if (end.fate !== 'confirmed') throw endedMessage(end);
      if (!earlier) {
        await deps.audit?.record({ action: 'invite_redeemed', actor: actorOf(caller), host: record.host, keyId: record.keyId, inviteToken: token, at: end.at });
      }
      return { invite: await describeOne(record), redemption: { token, use: hold.use, account: hold.account, redeemedAt: end.at } };
    },

    async releaseInvite(credential, token, holdId) {
      const caller = await deps.callers.authenticate(credential);
      const record = await findInviteOfCaller(deps.invites, caller, token);
      const { hold } = await findHold(token, holdId);
      const end = await deps.holds.end(hold, 'released', deps.now(), record.expiresAt);
      if (end.fate === 'confirmed') {
        throw new DomainError('failed_precondition', 'hold already confirmed: its use is a redemption and cannot be given back (revoke the invite to stop further uses)');
      }
    },

    async inviteDetail(credential, token) {
      if (credential.kind === 'none') return undefined;
      const caller = await deps.callers.authenticate(credential);
      const record = await findInvite(deps.invites, token);
      if (caller.kind === 'key' && record.host !== caller.key.host) return undefined;
      return describeOne(record);
    },
  };
}
