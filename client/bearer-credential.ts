import type { Interceptor } from '@connectrpc/connect';

/**
 * Sends `Authorization: Bearer <credential>` on every call: an API key (`ID/SECRET`) or the admin
 * token; the server tells them apart by their shape. No credential, no header (GetInvite is public).
 */
export function bearerCredential(credential: string | undefined): Interceptor[] {
  if (credential === undefined || credential === '') return [];
  // A line break would let a credential read from a file smuggle another header; refuse it here,
  // with a message that does not echo the secret.
  if (/[\r\n]/.test(credential)) throw new TypeError('the invites credential must not contain a line break');
  const value = `Bearer ${credential}`;
  return [
    (next) => (req) => {
      req.header.set('authorization', value);
      return next(req);
    },
  ];
}
