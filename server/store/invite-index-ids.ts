import type { InviteRecord } from '../domain/invite.js';
import { AFTER_SCOPE, newestFirstKey, oldestFirstKey } from './sortable-time.js';
import type { InviteCursor, InviteListQuery } from './store.js';

/*
 * The `_id`s of the invite index's entries (see mongo-invite-index.ts). A listing is a range of
 * `_id`s, so every engine serves its first page from an index (the embedded one only serves `_id`):
 * - `SCOPE|TIME|TOKEN`, one per listing an invite appears in: SCOPE is `h|HOST`, `k|KEY_ID`,
 *   `hi|HOST|INVITER` or `ki|KEY_ID|INVITER`; TIME counts down from the creation time, so the
 *   ascending `_id` order is newest first, ties by token: the order of the page tokens;
 * - `x|TIME|TOKEN`, the invite's expiry (TIME counts up), read by the sweep in expiry order.
 * `|` appears in none of the parts: hosts and key ids are plain, inviters are URI-encoded.
 */

type Scoped = Pick<InviteRecord, 'host' | 'keyId' | 'inviter'>;

/** The listings an invite appears in. */
function scopesOf(invite: Scoped): string[] {
  const scopes = [`h|${invite.host}`];
  if (invite.keyId) scopes.push(`k|${invite.keyId}`);
  if (invite.inviter) {
    const inviter = encodeURIComponent(invite.inviter);
    scopes.push(`hi|${invite.host}|${inviter}`);
    if (invite.keyId) scopes.push(`ki|${invite.keyId}|${inviter}`);
  }
  return scopes;
}

/** The listing a query reads: a key's own, else the host's; with an inviter, that user's part of it. */
export function scopeOfQuery(query: Pick<InviteListQuery, 'host' | 'keyId' | 'inviter'>): string {
  const inviter = query.inviter ? `|${encodeURIComponent(query.inviter)}` : '';
  if (query.keyId !== undefined) return `${inviter ? 'ki' : 'k'}|${query.keyId}${inviter}`;
  if (query.host !== undefined) return `${inviter ? 'hi' : 'h'}|${query.host}${inviter}`;
  throw new Error('an invite listing needs a host or a key');
}

/** The listing entries of an invite. */
export const listingIds = (invite: Scoped & Pick<InviteRecord, 'token' | 'createdAt'>): string[] =>
  scopesOf(invite).map((scope) => `${scope}|${newestFirstKey(invite.createdAt)}|${invite.token}`);

export const expiryId = (invite: Pick<InviteRecord, 'token' | 'expiresAt'>) => `x|${oldestFirstKey(invite.expiresAt)}|${invite.token}`;

/** The token an entry points at. */
export const tokenOf = (id: string) => id.slice(id.lastIndexOf('|') + 1);

/** The `_id` range of a listing: the whole scope, or what follows `after`, or what is not older than `since`. */
export function listingRange(scope: string, after: InviteCursor | undefined, since?: Date): { $gt: string; $lt: string } {
  return {
    $gt: after ? `${scope}|${newestFirstKey(after.createdAt)}|${after.token}` : `${scope}|`,
    $lt: since ? `${scope}|${newestFirstKey(since)}${AFTER_SCOPE}` : `${scope}${AFTER_SCOPE}`,
  };
}

/** The expiry entries of invites that expired before `before`. */
export const expiredRange = (before: Date) => ({ $gt: 'x|', $lt: `x|${oldestFirstKey(before)}` });
