import type { HostConfig } from '../config/config.js';
import { DomainError } from '../domain/errors.js';
import type { InviteStatus } from '../domain/invite-status.js';
import { decodePageToken, encodePageToken } from '../domain/list-page-token.js';
import type { InviteRecord } from '../domain/invite.js';
import type { InviteCursor, InviteListQuery, InviteStore } from '../store/store.js';
import type { Caller } from './caller-authenticator.js';
import { configuredHost, HOST_REQUIRED_WITH_ADMIN_TOKEN } from './configured-host.js';
import type { InviteLookup } from './invite-lookup.js';
import type { Invite } from './invite-view.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/**
 * Invites looked at per ListInvites call at most, so that a rare status cannot make one call read
 * everything: a call answers within ~100 ms on the embedded engine, with fewer invites than asked
 * and a next_page_token when it stopped early (the CLI follows them).
 */
export const MAX_SCANNED_PER_PAGE = 250;

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

export interface InvitePage {
  invites: Invite[];
  nextPageToken: string;
}

/** The admin lists a host's invites; a key only those it created, on its own host. */
function scopeOf(caller: Caller, requestedHost: string, hosts: ReadonlyMap<string, HostConfig>): { host: string; query: InviteListQuery } {
  if (caller.kind === 'admin') {
    const host = configuredHost(hosts, requestedHost, HOST_REQUIRED_WITH_ADMIN_TOKEN).name;
    return { host, query: { host } };
  }
  const host = caller.key.host;
  if (requestedHost && requestedHost.toLowerCase() !== host) {
    throw new DomainError(
      'invalid_argument',
      `host: an API key lists only the invites it created, on its own host (${host}); leave host empty`,
    );
  }
  return { host, query: { keyId: caller.key.id } };
}

function pageSizeOf(requested: number): number {
  if (!Number.isSafeInteger(requested) || requested < 0) {
    throw new DomainError('invalid_argument', `page_size must be 0 (the default, ${DEFAULT_PAGE_SIZE}) or more, not ${requested}`);
  }
  return Math.min(requested || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
}

/**
 * How many invites to read next: enough for the `missing` ones at the share of the status seen so
 * far (at least 1 in 16, so a rare status is read in a few large batches, not many small ones),
 * plus the one that tells whether there is more; never more than `left` to look at.
 */
export function nextBatchSize(missing: number, share: number, left: number): number {
  return Math.max(1, Math.min(Math.ceil(missing / Math.max(share, 1 / 16)) + 1, left));
}

/** One page of the caller's invites, newest first, of the requested status. */
export async function listInvitesFor(
  deps: { invites: InviteStore; hosts: ReadonlyMap<string, HostConfig>; now: () => Date; lookup: InviteLookup },
  caller: Caller,
  request: ListInvitesRequest,
): Promise<InvitePage> {
  const { host, query } = scopeOf(caller, request.host, deps.hosts);
  const pageSize = pageSizeOf(request.pageSize);
  if (request.inviter) query.inviter = request.inviter;
  const fingerprint = `${host}|${request.status ?? 'any'}${request.inviter ? `|${request.inviter}` : ''}`;
  let cursor: InviteCursor | undefined = request.pageToken ? decodePageToken(request.pageToken, fingerprint) : undefined;

  const now = deps.now();
  // Expiry is known from the record alone: checked before the usage of each invite is read.
  const expiryFits = (r: InviteRecord) =>
    request.status === 'valid' ? r.expiresAt > now : request.status === 'expired' ? r.expiresAt <= now : true;

  const invites: Invite[] = [];
  let scanned = 0;
  let more = true;
  // One more than the page tells whether there is more.
  let batchSize = pageSize + 1;
  scan: while (true) {
    const batch = await deps.invites.list(query, cursor, batchSize);
    const described = new Map((await deps.lookup.describeAll(batch.filter(expiryFits), now)).map((i) => [i.token, i]));
    for (const record of batch) {
      // A full page with one more candidate left: that one starts the next page.
      if (invites.length === pageSize) break scan;
      cursor = { createdAt: record.createdAt, token: record.token };
      scanned++;
      const invite = described.get(record.token);
      if (invite && (request.status === undefined || invite.status === request.status)) invites.push(invite);
      if (scanned >= MAX_SCANNED_PER_PAGE) break scan;
    }
    if (batch.length < batchSize) {
      more = false;
      break;
    }
    batchSize = nextBatchSize(pageSize - invites.length, invites.length / scanned, MAX_SCANNED_PER_PAGE - scanned);
  }
  const nextPageToken = more && cursor ? encodePageToken({ ...cursor, query: fingerprint }) : '';
  return { invites, nextPageToken };
}
