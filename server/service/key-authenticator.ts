import { invalidKey, missingKey } from '../domain/errors.js';
import { parseApiKey } from '../domain/api-key.js';
import { secretMatches as constantTimeSecretMatches } from '../domain/secret-hash.js';
import type { KeyRecord } from '../domain/key.js';
import type { KeyLookup } from './key-lookup.js';

/** A credential as the transport found it: absent, present but not `Bearer <token>`, or a token. */
export type PresentedCredential =
  | { kind: 'none' }
  | { kind: 'malformed' }
  | {
      kind: 'bearer';
      token: string;
      /** From `?key=` (the plain API), where only API keys are taken. */
      fromQuery?: boolean;
      /** Called as soon as the credential is found good: the auth-failure guard frees this call's place. */
      onAccepted?: () => void;
    };

export interface KeyAuthenticator {
  /** The key behind the credential; throws `unauthenticated` or `invalid_token`. */
  authenticate(credential: PresentedCredential): Promise<KeyRecord>;
}

export interface KeyAuthenticatorOptions {
  now?: () => Date;
  /** Told of every request a key authenticates (use count, last use). */
  usage?: { record(keyId: string, at: Date): void };
  /** The comparison of a presented secret with a stored hash (a test counts its calls). */
  secretMatches?: (secret: string, storedHash: Uint8Array) => boolean;
}

/**
 * Disabled and expired keys are refused exactly like unknown ones, and every answer does the same
 * work after the lookup: one hash, one constant-time comparison (against the decoy's hash when the
 * id is unknown), the disabled and expiry checks, then one decision; so the timing of a refusal
 * does not tell whether an id exists (docs/security.md: what the database read still tells).
 */
export function createKeyAuthenticator(keys: KeyLookup, options: KeyAuthenticatorOptions = {}): KeyAuthenticator {
  const now = options.now ?? (() => new Date());
  const secretMatches = options.secretMatches ?? constantTimeSecretMatches;
  return {
    async authenticate(credential) {
      if (credential.kind === 'none') throw missingKey();
      if (credential.kind === 'malformed') throw invalidKey();
      const parsed = parseApiKey(credential.token);
      if (!parsed) throw invalidKey();
      const { record: key, known } = await keys.find(parsed.id);
      // No early return: every check runs whatever the earlier ones said.
      const matches = secretMatches(parsed.secret, key.secretHash);
      const at = now();
      const usable = !key.disabled && !(key.expiresAt !== undefined && key.expiresAt <= at);
      if (!(known && matches && usable)) throw invalidKey();
      credential.onAccepted?.();
      options.usage?.record(key.id, at);
      return key;
    },
  };
}
