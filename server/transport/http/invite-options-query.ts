import { parseDurationSeconds } from '../../domain/duration.js';
import { DomainError } from '../../domain/errors.js';
import type { CreateInviteRequest } from '../../service/invite-service.js';

const invalid = (message: string) => new DomainError('invalid_argument', message);

/** The one value of a parameter that may appear at most once. */
function single(query: URLSearchParams, name: string): string | undefined {
  const values = query.getAll(name);
  if (values.length > 1) throw invalid(`${name} is given ${values.length} times: give it once`);
  return values[0];
}

/**
 * The creation options of the plain API as query parameters: `ttl` (seconds, or 90s/15m/12h/7d),
 * `uses` or `max_uses`, `role` and `group` (repeatable), `note`, and `host` (admin token only).
 * Range checks are the service's, shared with the RPC; this only reads the text.
 */
export function inviteOptionsFromQuery(query: URLSearchParams): CreateInviteRequest {
  const request: CreateInviteRequest = { roles: query.getAll('role'), groups: query.getAll('group') };
  const ttl = single(query, 'ttl');
  if (ttl !== undefined) {
    request.ttlSeconds = parseDurationSeconds(ttl);
    if (request.ttlSeconds === undefined) {
      throw invalid(`ttl must be a number of seconds or a duration such as 90s, 15m, 12h or 7d, not "${ttl.slice(0, 40)}"`);
    }
  }
  const uses = single(query, 'uses');
  const maxUses = single(query, 'max_uses');
  if (uses !== undefined && maxUses !== undefined) throw invalid('give either uses or max_uses, not both');
  const usesText = uses ?? maxUses;
  if (usesText !== undefined) {
    const name = uses !== undefined ? 'uses' : 'max_uses';
    if (!/^\d{1,9}$/.test(usesText.trim())) throw invalid(`${name} must be a whole number, e.g. ${name}=5, not "${usesText.slice(0, 40)}"`);
    request.maxUses = Number(usesText);
  }
  const note = single(query, 'note');
  if (note !== undefined) request.note = note;
  const host = single(query, 'host');
  if (host !== undefined) request.host = host;
  return request;
}
