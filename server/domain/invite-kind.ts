import { DomainError } from './errors.js';
import type { InviteKind } from './invite.js';

export const MAX_LOCAL_USERNAME_LENGTH = 1023;

/** Who an invite is for and who made it, as a caller gave them; absent means "the default". */
export interface InviteKindRequest {
  kind?: InviteKind | undefined;
  username?: string | undefined;
  inviter?: string | undefined;
  allowRegistration?: boolean | undefined;
}

export interface InviteKindOptions {
  kind: InviteKind;
  /** Register: the only username it may register ('' = any); reset: the account; roster: ''. */
  username: string;
  /** The local user who made it; '' when a key or the operator did. */
  inviter: string;
  /** Whether a new account may register with it: register and reset always, roster when asked. */
  allowRegistration: boolean;
}

const invalid = (message: string) => new DomainError('invalid_argument', message);

/** A local part as Prosody's users have them: what `USER@HOST` needs, nothing that breaks a URI or a log line. */
function localUser(field: 'username' | 'inviter', value: string): string {
  // The characters nodeprep forbids in a local part, so `USER@HOST` is always an address.
  if (value.length > MAX_LOCAL_USERNAME_LENGTH || /[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}"&'/:<>@]/u.test(value)) {
    throw invalid(
      `${field} must be a local username (e.g. alice): at most ${MAX_LOCAL_USERNAME_LENGTH} characters, ` +
        `without spaces, control or format characters (such as U+202E, U+200B) or any of " & ' / : < > @`,
    );
  }
  return value;
}

/** Checks an invite's kind and the users it names, and fills in the defaults (a register invite anyone can use). */
export function validateInviteKind(request: InviteKindRequest): InviteKindOptions {
  const kind = request.kind ?? 'register';
  const username = localUser('username', request.username ?? '');
  const inviter = localUser('inviter', request.inviter ?? '');
  if (kind === 'password_reset' && !username)
    throw invalid('username is required for a password-reset invite: the existing account whose password it resets');
  if (kind === 'roster') {
    if (username)
      throw invalid('username must be empty for a contact (roster) invite: the person accepting it chooses or has their own account');
    if (!inviter)
      throw invalid('inviter is required for a contact (roster) invite: the local user the person accepting it is subscribed to');
  }
  return { kind, username, inviter, allowRegistration: kind === 'roster' ? request.allowRegistration === true : true };
}

/**
 * The XMPP URI of an invite, exactly as Prosody 0.12's mod_invites builds it:
 * `xmpp:HOST?register;preauth=T`, `xmpp:USER@HOST?register;preauth=T` (bound and reset),
 * `xmpp:INVITER@HOST?roster;preauth=T` (`;ibr=y` when it also allows registration).
 */
export function inviteUri(invite: {
  host: string;
  token: string;
  kind: InviteKind;
  username?: string | undefined;
  inviter?: string | undefined;
  allowRegistration?: boolean | undefined;
}): string {
  if (invite.kind === 'roster') {
    return `xmpp:${invite.inviter ?? ''}@${invite.host}?roster;preauth=${invite.token}${invite.allowRegistration ? ';ibr=y' : ''}`;
  }
  const user = invite.username ? `${invite.username}@` : '';
  return `xmpp:${user}${invite.host}?register;preauth=${invite.token}`;
}

/** Whether `account` (a local part or `local@host`) is the username an invite is bound to. */
export function isBoundAccount(username: string, host: string, account: string): boolean {
  const a = account.toLowerCase();
  const u = username.toLowerCase();
  return a === u || a === `${u}@${host.toLowerCase()}`;
}
