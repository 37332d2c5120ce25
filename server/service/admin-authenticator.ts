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
        throw new DomainError(
          'unauthenticated',
          'the admin token is not valid: use INVITES_ADMIN_TOKEN or the token file in the server data directory',
        );
      }
      credential.onAccepted?.();
    },
  };
}

type Operations<T> = { [K in keyof T]: (...args: never[]) => unknown };

/** `T`'s operations, each taking the presented credential first. */
export type AdminOnly<T extends Operations<T>> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (credential: PresentedCredential, ...args: A) => R : never;
};

/** Operations only the admin may call: each checks the credential before it does anything. */
export function adminOnly<T extends Operations<T>>(admin: AdminAuthenticator, operations: T): AdminOnly<T> {
  const guarded: Record<string, (credential: PresentedCredential, ...args: never[]) => unknown> = {};
  for (const [name, operation] of Object.entries(operations) as Array<[string, (...args: never[]) => unknown]>) {
    guarded[name] = async (credential, ...args) => {
      admin.authenticate(credential);
      return operation(...args);
    };
  }
  return guarded as AdminOnly<T>;
}
