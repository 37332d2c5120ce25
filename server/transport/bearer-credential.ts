import { createContextKey } from '@connectrpc/connect';
import type { PresentedCredential } from '../service/key-authenticator.js';

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

/** An RPC's "credential accepted" callback from the auth-failure guard (its interceptor sets it). */
export const CREDENTIAL_ACCEPTED = createContextKey<(() => void) | undefined>(undefined);

/**
 * Reads `Authorization: Bearer TOKEN`; any other present header is `malformed`. `onAccepted`,
 * the auth-failure guard's callback for this call, goes with a bearer token to the authenticators.
 */
export function credentialFromHeader(authorization: string | null | undefined, onAccepted?: () => void): PresentedCredential {
  if (authorization == null) return { kind: 'none' };
  const m = BEARER.exec(authorization);
  return m ? { kind: 'bearer', token: m[1]!, ...(onAccepted && { onAccepted }) } : { kind: 'malformed' };
}
