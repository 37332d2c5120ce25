import type { HostConfig } from '../config/config.js';
import { DomainError } from '../domain/errors.js';
import { configuredHost, HOST_REQUIRED_WITH_ADMIN_TOKEN } from './configured-host.js';
import { inviteUnavailable, type InviteStatus } from '../domain/invite-status.js';
import { decodePageToken, encodePageToken } from '../domain/list-page-token.js';
import type { InviteCursor, InviteListQuery, InviteRecord, InviteStore, RedemptionRecord } from '../store/store.js';
import { ADMIN_ACTOR, keyActor, type AuditLog } from './audit-log.js';
import type { Caller, CallerAuthenticator } from './caller-authenticator.js';
import { describeInvite, publicView, type Invite, type PublicInvite } from './invite-view.js';
import type { PresentedCredential } from './key-authenticator.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** Invites looked at per ListInvites call at most, so a rare status cannot make one call scan everything. */
export const MAX_SCANNED_PER_PAGE = 1000;
export const MAX_ACCOUNT_LENGTH = 1023;

/** Tokens are 24 base64url characters; anything far from that shape is unknown without asking the store. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{1,64}$/;

export interface InviteLifecycleDeps {
  invites: InviteStore;
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
}

export interface InviteLifecycleService {
  /** Public: no credential. What a landing page needs. */
  getInvite(token: string): Promise<PublicInvite>;
  listInvites(credential: PresentedCredential, request: ListInvitesRequest): Promise<{ invites: Invite[]; nextPageToken: string }>;
  /** Only the creating key or the admin; idempotent. No redeem succeeds once this has resolved. */
  revokeInvite(credential: PresentedCredential, token: string, host?: string): Promise<Invite>;
  /**
   * Consumes one use for `account`, exactly once, or throws failed_precondition saying why not.
   * An account that already redeemed this invite gets its earlier redemption back (no use taken,
   * `replayed` true).
   */
  redeemInvite(credential: PresentedCredential, token: string, account: string): Promise<{ invite: Invite; redemption: RedemptionRecord; replayed: boolean }>;
}

const actorOf = (caller: Caller) => (caller.kind === 'admin' ? ADMIN_ACTOR : keyActor(caller.key.id));

const inviteNotFound = () => new DomainError('not_found', 'invite not found: check the token (invites are removed some days after they expire)');

export function createInviteLifecycleService(deps: InviteLifecycleDeps): InviteLifecycleService {
  const find = async (token: string): Promise<InviteRecord> => {
    const record = TOKEN_SHAPE.test(token) ? await deps.invites.find(token) : undefined;
    if (!record) throw inviteNotFound();
    return record;
  };

  const describeAll = async (records: InviteRecord[], now: Date): Promise<Invite[]> => {
    const usage = await deps.invites.usage(records.map((r) => r.token));
    return records.map((r) => describeInvite(r, deps.hosts.get(r.host), usage.get(r.token), now));
  };

  const describeOne = async (record: InviteRecord): Promise<Invite> => (await describeAll([record], deps.now()))[0]!;

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
      const fingerprint = `${host}|${request.status ?? 'any'}`;
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
      if (!account || account.length > MAX_ACCOUNT_LENGTH || /[\s\p{Cc}]/u.test(account)) {
        throw new DomainError('invalid_argument', `account must be 1 to ${MAX_ACCOUNT_LENGTH} characters without spaces or control characters, e.g. alice or alice@example.com`);
      }
      const record = await find(token);
      if (caller.kind === 'key' && record.host !== caller.key.host) throw inviteNotFound();

      const before = await describeOne(record);
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
          await deps.audit?.record({ action: 'invite_redeemed', actor: actorOf(caller), host: record.host, keyId: record.keyId, inviteToken: token, at: redemption.redeemedAt });
          return { invite: await describeOne(record), redemption, replayed: false };
        }
      }
      // Every use is taken: by redemptions, or by a revocation that voids the free ones.
      const after = await describeOne(record);
      throw inviteUnavailable(after.revokedAt ? 'revoked' : 'used_up');
    },
  };
}
