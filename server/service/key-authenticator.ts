import { invalidKey, missingKey } from '../domain/errors.js';
import { parseApiKey } from '../domain/api-key.js';
import { hashSecret, secretMatches } from '../domain/secret-hash.js';
import type { KeyRecord } from '../domain/key.js';
import type { KeyLookup } from './key-lookup.js';

/** A credential as the transport found it: absent, present but not `Bearer <token>`, or a token. */
export type PresentedCredential =
  | { kind: 'none' }
  | { kind: 'malformed' }
  | { kind: 'bearer'; token: string };

// Compared against when the id is unknown, so unknown ids and wrong secrets take the same path.
const DECOY_HASH = hashSecret('decoy');

export interface KeyAuthenticator {
  /** The key behind the credential; throws `unauthenticated` or `invalid_token`. */
  authenticate(credential: PresentedCredential): Promise<KeyRecord>;
}

export interface KeyAuthenticatorOptions {
  now?: () => Date;
  /** Told of every request a key authenticates (use count, last use). */
  usage?: { record(keyId: string, at: Date): void };
}

/** Disabled and expired keys are refused exactly like unknown ones. */
export function createKeyAuthenticator(keys: KeyLookup, options: KeyAuthenticatorOptions = {}): KeyAuthenticator {
  const now = options.now ?? (() => new Date());
  return {
    async authenticate(credential) {
      if (credential.kind === 'none') throw missingKey();
      if (credential.kind === 'malformed') throw invalidKey();
      const parsed = parseApiKey(credential.token);
      if (!parsed) throw invalidKey();
      const key = await keys.find(parsed.id);
      const matches = secretMatches(parsed.secret, key?.secretHash ?? DECOY_HASH);
      if (!key || !matches) throw invalidKey();
      const at = now();
      if (key.disabled || (key.expiresAt && key.expiresAt <= at)) throw invalidKey();
      options.usage?.record(key.id, at);
      return key;
    },
  };
}
