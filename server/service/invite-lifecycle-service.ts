import type { HostConfig } from '../config/config.js';
import { DomainError } from '../domain/errors.js';
import { configuredHost, HOST_REQUIRED_WITH_ADMIN_TOKEN } from './configured-host.js';
import { inviteUnavailable, type InviteStatus } from '../domain/invite-status.js';
import { decodePageToken, encodePageToken } from '../domain/list-page-token.js';
import type { InviteHoldStore } from '../store/invite-hold-store.js';
import type { InviteCursor, InviteListQuery, InviteStore, RedemptionRecord } from '../store/store.js';
import type { AuditLog } from './audit-log.js';
import type { CallerAuthenticator } from './caller-authenticator.js';
import { actorOf, checkBoundAccount, claimFreeUse, findInvite, findInviteOfCaller, inviteDescriber, inviteNotFound, validateAccount } from './invite-lookup.js';
import { publicView, type Invite, type PublicInvite } from './invite-view.js';
import type { PresentedCredential } from './key-authenticator.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** Invites looked at per ListInvites call at most, so a rare status cannot make one call scan everything. */
export const MAX_SCANNED_PER_PAGE = 1000;

export interface InviteLifecycleDeps {
  invites: InviteStore;
  /** Uses held by registrations in progress: redeems respect them and reclaim lapsed ones. */
  holds: InviteHoldStore;
  callers: CallerAuthenticator;
  hosts: ReadonlyMap<string, HostConfig>;
  now: () => Date;
  /** Where revocations and redemptions are recorded, with who did them. */
  audit?: AuditLog;
}

export interface ListInvitesRequest {
  /** Required with the admin token; with a key, empty or the key's host. */
  host: string;
  /** Undefined: any status. */
  status: InviteStatus | undefined;
  /** 0: the default; more than the maximum: the maximum. */
  pageSize: number;
  pageToken: string;
  /** Only invites this local user made; undefined or '': any. */
  inviter?: string | undefined;
}

export interface InviteLifecycleService {
  /** Public: no credential. What a landing page needs. */
  getInvite(token: string): Promise<PublicInvite>;
  listInvites(credential: PresentedCredential, request: ListInvitesRequest): Promise<{ invites: Invite[]; nextPageToken: string }>;
  /** Only the creating key or the admin; idempotent. No redeem succeeds once this has resolved. */
  revokeInvite(credential: PresentedCredential, token: string, host?: string): Promise<Invite>;
  /**
   * Consumes one use for `account`, exactly once, or throws failed_precondition saying why not.
   * An account that already redeemed this invite gets its earlier redemption back (no use taken).
   */
  redeemInvite(credential: PresentedCredential, token: string, account: string): Promise<{ invite: Invite; redemption: RedemptionRecord }>;
}

export function createInviteLifecycleService(deps: InviteLifecycleDeps): InviteLifecycleService {
  const find = (token: string) => findInvite(deps.invites, token);
  const { describeAll, describeOne } = inviteDescriber(deps);

  return {
    async getInvite(token) {
      return publicView(await describeOne(await find(token)));
    },

    async listInvites(credential, request) {
      const caller = await deps.callers.authenticate(credential);
      const requestedHost = request.host.toLowerCase();
      let query: InviteListQuery;
      let host: string;
      if (caller.kind === 'admin') {
        host = configuredHost(deps.hosts, request.host, HOST_REQUIRED_WITH_ADMIN_TOKEN).name;
        query = { host };
      } else {
        host = caller.key.host;
        if (requestedHost && requestedHost !== host) {
          throw new DomainError('invalid_argument', `host: an API key lists only the invites it created, on its own host (${host}); leave host empty`);
        }
        query = { keyId: caller.key.id };
      }
      if (!Number.isSafeInteger(request.pageSize) || request.pageSize < 0) {
        throw new DomainError('invalid_argument', `page_size must be 0 (the default, ${DEFAULT_PAGE_SIZE}) or more, not ${request.pageSize}`);
      }
      const pageSize = Math.min(request.pageSize || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
      if (request.inviter) query.inviter = request.inviter;
      const fingerprint = `${host}|${request.status ?? 'any'}${request.inviter ? `|${request.inviter}` : ''}`;
      let cursor: InviteCursor | undefined = request.pageToken ? decodePageToken(request.pageToken, fingerprint) : undefined;

      const now = deps.now();
      // Expiry narrows the scan in the database; the exact status needs each invite's usage.
      if (request.status === 'valid') query.expiresAfter = now;
      if (request.status === 'expired') query.expiresAtOrBefore = now;

      const invites: Invite[] = [];
      let scanned = 0;
      let more = true;
      const batchSize = pageSize + 1;
      scan: while (true) {
        const batch = await deps.invites.list(query, cursor, batchSize);
        const described = await describeAll(batch, now);
        for (const invite of described) {
          // A full page with one more candidate left: that one starts the next page.
          if (invites.length === pageSize) break scan;
          cursor = { createdAt: invite.createdAt, token: invite.token };
          scanned++;
          if (request.status === undefined || invite.status === request.status) invites.push(invite);
          if (scanned >= MAX_SCANNED_PER_PAGE) break scan;
        }
        if (batch.length < batchSize) {
          more = false;
          break;
        }
      }
      const nextPageToken = more && cursor ? encodePageToken({ ...cursor, query: fingerprint }) : '';
      return { invites, nextPageToken };
    },

    async revokeInvite(credential, token, host) {
      const caller = await deps.callers.authenticate(credential);
      const record = await find(token);
      // To anyone but its creator and the operator, another's invite does not exist.
      if (caller.kind === 'key' && record.keyId !== caller.key.id) throw inviteNotFound();
      if (host && host.toLowerCase() !== record.host) throw inviteNotFound();
      await deps.invites.revoke(record, deps.now());
      await deps.audit?.record({ action: 'invite_revoked', actor: actorOf(caller), host: record.host, keyId: record.keyId, inviteToken: token });
      return describeOne(record);
    },

    async redeemInvite(credential, token, account) {
      const caller = await deps.callers.authenticate(credential);
      validateAccount(account);
      const record = await findInviteOfCaller(deps.invites, caller, token);

      const before = await describeOne(record);
      // A retry (the answer to the first call was lost) takes no second use: the account has its use.
      const earlier = before.redemptions.find((r) => r.account === account);
      if (earlier) return { invite: before, redemption: earlier };
      if (before.status !== 'valid') throw inviteUnavailable(before.status);
      checkBoundAccount(record, account);
      // A free use is claimed by inserting it under its unique id (see claimFreeUse).
      let redemption: RedemptionRecord | undefined;
      await claimFreeUse(deps, record, before, async (use) => {
        redemption = { token, use, account, redeemedAt: deps.now() };
        return (await deps.invites.claimUse(redemption, record.expiresAt)) ? 'won' : 'taken';
      }, describeOne);
      await deps.audit?.record({ action: 'invite_redeemed', actor: actorOf(caller), host: record.host, keyId: record.keyId, inviteToken: token, at: redemption!.redeemedAt });
      return { invite: await describeOne(record), redemption: redemption! };
    },
  };
}
