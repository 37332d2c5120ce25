import { DomainError } from './errors.js';
import { formatDurationSeconds } from './duration.js';
import { codePointLength, firstUnsafeCharacter } from './unsafe-characters.js';

export const MAX_INVITE_USES = 1000;
export const MAX_LABELS = 16;
export const MAX_LABEL_LENGTH = 100;
/** In Unicode code points. */
export const MAX_NOTE_LENGTH = 500;

/** Creation options as a caller gave them; absent means "the default". */
export interface InviteOptionsRequest {
  ttlSeconds?: number | undefined;
  maxUses?: number | undefined;
  roles?: readonly string[] | undefined;
  groups?: readonly string[] | undefined;
  note?: string | undefined;
}

export interface InviteOptions {
  ttlSeconds: number;
  maxUses: number;
  roles: string[];
  groups: string[];
  note: string;
}

const unsafeMessage = (what: string, found: string) =>
  `${what} must not contain control characters or format characters such as newlines, tabs, ` +
  `U+202E (right-to-left override) or U+200B (zero-width space): found ${found}`;
const invalid = (message: string) => new DomainError('invalid_argument', message);

/** Checks roles or groups: a few short labels; duplicates are dropped, order kept. */
function labels(field: 'roles' | 'groups', given: readonly string[] | undefined): string[] {
  const list = [...new Set(given ?? [])];
  if (list.length > MAX_LABELS) throw invalid(`${field}: at most ${MAX_LABELS} are allowed, not ${list.length}`);
  for (const label of list) {
    if (!label.trim()) throw invalid(`${field}: an entry is empty`);
    if (label.length > MAX_LABEL_LENGTH) throw invalid(`${field}: "${label.slice(0, 20)}…" is longer than ${MAX_LABEL_LENGTH} characters`);
    const unsafe = firstUnsafeCharacter(label, { joinersAllowed: false });
    if (unsafe) throw invalid(`${field}: ${unsafeMessage('entries', unsafe)}`);
  }
  return list;
}

/**
 * Validates creation options against a host's limits and fills in the defaults. A lifetime
 * over the host's maximum is refused rather than shortened: the caller asked for something
 * the operator does not allow and should know.
 */
export function validateInviteOptions(
  request: InviteOptionsRequest,
  host: { name: string; inviteTtlSeconds: number; maxInviteTtlSeconds: number },
): InviteOptions {
  let ttlSeconds = host.inviteTtlSeconds;
  if (request.ttlSeconds !== undefined) {
    ttlSeconds = request.ttlSeconds;
    if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1)
      throw invalid(`ttl must be a whole number of seconds, at least 1 (got ${request.ttlSeconds})`);
    if (ttlSeconds > host.maxInviteTtlSeconds) {
      throw invalid(
        `ttl of ${ttlSeconds} seconds is longer than ${host.name} allows: ` +
          `at most ${host.maxInviteTtlSeconds} seconds (${formatDurationSeconds(host.maxInviteTtlSeconds)})`,
      );
    }
  }
  const maxUses = request.maxUses ?? 1;
  if (!Number.isSafeInteger(maxUses) || maxUses < 1 || maxUses > MAX_INVITE_USES) {
    throw invalid(`max_uses must be a whole number from 1 to ${MAX_INVITE_USES} (got ${request.maxUses})`);
  }
  const note = (request.note ?? '').trim();
  const noteLength = codePointLength(note);
  if (noteLength > MAX_NOTE_LENGTH)
    throw invalid(`note is too long: at most ${MAX_NOTE_LENGTH} characters (Unicode code points), got ${noteLength}`);
  const unsafe = firstUnsafeCharacter(note, { joinersAllowed: true });
  if (unsafe) throw invalid(unsafeMessage('note', unsafe));
  return { ttlSeconds, maxUses, roles: labels('roles', request.roles), groups: labels('groups', request.groups), note };
}
