import type { HostConfig } from '../config/config.js';
import type { InviteHoldStore } from '../store/invite-hold-store.js';
import type { InviteStore, QuotaStore } from '../store/store.js';
import { releaseSlot } from './invite-quotas.js';
import { callerActor, type AuditLog } from './audit-log.js';
import type { CallerAuthenticator } from './caller-authenticator.js';
import { createInviteFor, createInvitesFor, type CreateInviteRequest } from './invite-creation.js';
import { confirmInviteFor, holdInviteFor, releaseInviteFor, type InviteHold } from './invite-holds.js';
import { listInvitesFor, type InvitePage, type ListInvitesRequest } from './invite-listing.js';
import { createInviteLookup, inviteNotFound } from './invite-lookup.js';
import { redeemInviteFor, type Redeemed } from './invite-redemption.js';
import { updateInviteFor, type UpdateInviteRequest } from './invite-update.js';
import { publicView, type Invite, type PublicInvite } from './invite-view.js';
import type { PresentedCredential } from './key-authenticator.js';
import type { KeyRateLimit } from './key-rate-limit.js';
import type { PublicReadLimit } from './public-read-limit.js';
import type { ClientInfo } from './auth-failure-guard.js';
import { inviteRevoked, withEvent, type ChangeEvents } from './webhook-events.js';

export type { CreateInviteRequest } from './invite-creation.js';
export type { InviteHold } from './invite-holds.js';
export type { InvitePage, ListInvitesRequest } from './invite-listing.js';
export type { Redeemed } from './invite-redemption.js';
export type { UpdateInviteRequest } from './invite-update.js';
export type { Invite, PublicInvite } from './invite-view.js';

export interface InviteServiceDeps {
  invites: InviteStore;
  /** Quota slots and units (a key's max_valid_invites, a host's userInviteQuota). */
  quotas: QuotaStore;
  /** Uses held by registrations in progress (HoldInvite); redeems respect them. */
  holds: InviteHoldStore;
  /** How long a use stays held without a confirm (INVITES_HOLD_TTL). */
  holdTtlSeconds: number;
  /** API keys, and the admin token (which creates invites on a host it names). */
  callers: CallerAuthenticator;
  hosts: ReadonlyMap<string, HostConfig>;
  now: () => Date;
  /** Invites per minute per key. */
  keyRateLimit: KeyRateLimit;
  /** Invite views per minute per client address (GetInvite and the landing page together). */
  publicReadLimit: PublicReadLimit;
  /** Where revocations and redemptions are recorded, with who did them. */
  audit?: AuditLog;
  /** The webhook outbox: events are written with the changes they describe. */
  events?: ChangeEvents;
}

/** The proto's InviteService: every RPC on invites. */
export interface InviteService {
  /** Creates and durably stores an invite on the host of the presented key (or the admin's chosen host). */
  createInvite(credential: PresentedCredential, request?: CreateInviteRequest): Promise<Invite>;
  /**
   * Public: what a landing page needs. Without a credential it is counted against the client's
   * address; with one it must be valid (a key or the admin token) and is not counted, so a
   * registration server checking tokens for many people is not limited as one visitor.
   */
  getInvite(token: string, client: ClientInfo, credential?: PresentedCredential): Promise<PublicInvite>;
  /**
   * The whole invite (GetInvite's `detail`) for a key of its host or the admin token; undefined
   * without a credential or for another host's key. An invalid credential is unauthenticated.
   */
  inviteDetail(credential: PresentedCredential, token: string): Promise<Invite | undefined>;
  listInvites(credential: PresentedCredential, request: ListInvitesRequest): Promise<InvitePage>;
  /** Only the creating key or the admin; idempotent. No redeem succeeds once this has resolved. */
  revokeInvite(credential: PresentedCredential, token: string, host?: string): Promise<Invite>;
  /**
   * Consumes one use for `account`, exactly once, or throws failed_precondition saying why not.
   * An account that already redeemed this invite gets its earlier redemption back (no use taken,
   * `replayed` true).
   */
  redeemInvite(credential: PresentedCredential, token: string, account: string): Promise<Redeemed>;
  /** Reserves a use for `account` until it is confirmed, released, or lapses (INVITES_HOLD_TTL). */
  holdInvite(credential: PresentedCredential, token: string, account: string): Promise<InviteHold>;
  /** Makes a held use a redemption; a retry gets the same one back (`replayed` true). */
  confirmInvite(credential: PresentedCredential, token: string, holdId: string): Promise<Redeemed>;
  /** Gives a held use back; idempotent. */
  releaseInvite(credential: PresentedCredential, token: string, holdId: string): Promise<void>;
  /** Creates `count` invites with the same options in one write, all or nothing. */
  createInvites(credential: PresentedCredential, count: number, request?: CreateInviteRequest): Promise<Invite[]>;
  /** Changes an invite (only its creating key or the admin); never below the uses taken. */
  updateInvite(credential: PresentedCredential, request: UpdateInviteRequest): Promise<Invite>;
}

export function createInviteService(deps: InviteServiceDeps): InviteService {
  const lookup = createInviteLookup(deps);
  const authenticate = (credential: PresentedCredential) => deps.callers.authenticate(credential);
  return {
    async createInvite(credential, request = {}) {
      return createInviteFor(deps, await authenticate(credential), request);
    },

    async createInvites(credential, count, request = {}) {
      const caller = await authenticate(credential);
      const invites = await createInvitesFor(deps, caller, count, request);
      return invites;
    },

    async getInvite(token, client, credential = { kind: 'none' }) {
      // Before the lookup: a refused view costs the database nothing.
      if (credential.kind === 'none') deps.publicReadLimit.take(client);
      else await authenticate(credential);
      return publicView(await lookup.describeOne(await lookup.find(token)));
    },

    async inviteDetail(credential, token) {
      if (credential.kind === 'none') return undefined;
      const caller = await authenticate(credential);
      const record = await lookup.find(token);
      if (caller.kind === 'key' && record.host !== caller.key.host) return undefined;
      return lookup.describeOne(record);
    },

    async listInvites(credential, request) {
      return listInvitesFor({ ...deps, lookup }, await authenticate(credential), request);
    },

    async revokeInvite(credential, token, host) {
      const caller = await authenticate(credential);
      const record = await lookup.find(token);
      // To anyone but its creator and the operator, another's invite does not exist.
      if (caller.kind === 'key' && record.keyId !== caller.key.id) throw inviteNotFound();
      if (host && host.toLowerCase() !== record.host) throw inviteNotFound();
      const at = deps.now();
      await withEvent(deps.events, inviteRevoked(record, at, callerActor(caller)), () => deps.invites.revoke(record, at));
      await releaseSlot(deps, record);
      await deps.audit?.record({
        action: 'invite_revoked',
        actor: callerActor(caller),
        host: record.host,
        keyId: record.keyId,
        inviteToken: token,
      });
      return lookup.describeOne(record);
    },

    async redeemInvite(credential, token, account) {
      return redeemInviteFor({ ...deps, lookup }, await authenticate(credential), token, account);
    },

    async holdInvite(credential, token, account) {
      return holdInviteFor({ ...deps, lookup }, await authenticate(credential), token, account);
    },

    async confirmInvite(credential, token, holdId) {
      return confirmInviteFor({ ...deps, lookup }, await authenticate(credential), token, holdId);
    },

    async releaseInvite(credential, token, holdId) {
      await releaseInviteFor({ ...deps, lookup }, await authenticate(credential), token, holdId);
    },

    async updateInvite(credential, request) {
      return updateInviteFor({ ...deps, lookup }, await authenticate(credential), request);
    },
  };
}
