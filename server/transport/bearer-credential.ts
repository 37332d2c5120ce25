import type { PresentedCredential } from '../service/key-authenticator.js';

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

/** Reads `Authorization: Bearer TOKEN`; any other present header is `malformed`. */
export function credentialFromHeader(authorization: string | null | undefined): PresentedCredential {
  if (authorization == null) return { kind: 'none' };
  const m = BEARER.exec(authorization);
  return m ? { kind: 'bearer', token: m[1]! } : { kind: 'malformed' };
}
