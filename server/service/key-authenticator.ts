import { invalidKey, missingKey } from '../domain/errors.js';
import { parseApiKey } from '../domain/api-key.js';
import { hashSecret, secretMatches } from '../domain/secret-hash.js';
import type { KeyRecord } from '../store/store.js';
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

export function createKeyAuthenticator(keys: KeyLookup): KeyAuthenticator {
  return {
    async authenticate(credential) {
      if (credential.kind === 'none') throw missingKey();
      if (credential.kind === 'malformed') throw invalidKey();
      const parsed = parseApiKey(credential.token);
      if (!parsed) throw invalidKey();
      const key = await keys.find(parsed.id);
      const matches = secretMatches(parsed.secret, key?.secretHash ?? DECOY_HASH);
      if (!key || !matches) throw invalidKey();
      return key;
    },
  };
}
