import { parseApiKey } from '../domain/api-key.js';
import { invalidKey } from '../domain/errors.js';
import type { KeyRecord } from '../domain/key.js';
import type { AdminAuthenticator } from './admin-authenticator.js';
import type { KeyAuthenticator, PresentedCredential } from './key-authenticator.js';

/** Who is calling: the holder of an API key, or the operator with the admin token. */
export type Caller = { kind: 'key'; key: KeyRecord } | { kind: 'admin' };

export interface CallerAuthenticator {
  /** Throws `unauthenticated` or `invalid_token` as the key authenticator does. */
  authenticate(credential: PresentedCredential): Promise<Caller>;
}

/**
 * Both credentials come as `Bearer X`: an X of API-key shape (`ID/SECRET`) is a key, anything
 * else must be the admin token. A wrong admin token gets the same answer as a wrong key, so a
 * caller cannot tell which one it failed.
 */
export function createCallerAuthenticator(keys: KeyAuthenticator, admin: AdminAuthenticator | undefined): CallerAuthenticator {
  return {
    async authenticate(credential) {
      if (admin && credential.kind === 'bearer' && !parseApiKey(credential.token)) {
        try {
          admin.authenticate(credential);
        } catch {
          throw invalidKey();
        }
        return { kind: 'admin' };
      }
      return { kind: 'key', key: await keys.authenticate(credential) };
    },
  };
}
