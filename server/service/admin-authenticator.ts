import { DomainError } from '../domain/errors.js';
import { hashSecret, secretMatches } from '../domain/secret-hash.js';
import type { PresentedCredential } from './key-authenticator.js';

export interface AdminAuthenticator {
  /** Throws `unauthenticated` unless the credential is the admin token. */
  authenticate(credential: PresentedCredential): void;
}

/** Keeps only the token's hash, and compares in constant time, as for API keys. */
export function createAdminAuthenticator(adminToken: string): AdminAuthenticator {
  const tokenHash = hashSecret(adminToken);
  return {
    authenticate(credential) {
      if (credential.kind === 'none') {
        throw new DomainError('unauthenticated', 'the admin token is required: send "Authorization: Bearer TOKEN"');
      }
      if (credential.kind === 'malformed' || !secretMatches(credential.token, tokenHash)) {
        throw new DomainError('unauthenticated', 'the admin token is not valid: use INVITES_ADMIN_TOKEN or the token file in the server data directory');
      }
    },
  };
}
