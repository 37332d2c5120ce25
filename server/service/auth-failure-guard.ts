import { DomainError } from '../domain/errors.js';
import type { SharedRateLimiter } from './shared-rate-limiter.js';

/** Where a call comes from, as the transport found it. */
export interface ClientInfo {
  /** The client's address (IPv6 reduced to its /64), or undefined when unknown. */
  address: string | undefined;
}

export const ADDRESS_RATE_KIND = 'address';

/**
 * Blunts guessing of keys and the admin token: a client address that has presented too many
 * refused credentials in a minute is refused (ResourceExhausted / 429) for the rest of that
 * minute, before its credential is even looked at, so guesses tell it nothing.
 */
export interface AuthFailureGuard {
  run<T>(client: ClientInfo, credentialPresented: boolean, call: () => Promise<T>): Promise<T>;
}

const isRefusedCredential = (err: unknown) => err instanceof DomainError && (err.kind === 'invalid_token' || err.kind === 'unauthenticated');

export function createAuthFailureGuard(deps: { limiter: SharedRateLimiter; failuresPerMinute: number }): AuthFailureGuard {
  return {
    async run(client, credentialPresented, call) {
      // Calls without a credential cannot be guesses: they are neither counted nor refused.
      if (!credentialPresented || client.address === undefined) return call();
      const scope = `${ADDRESS_RATE_KIND}:${client.address}`;
      const decision = deps.limiter.check(ADDRESS_RATE_KIND, scope, deps.failuresPerMinute);
      if (!decision.allowed) {
        throw new DomainError(
          'resource_exhausted',
          `too many refused credentials from your address: try again in ${decision.retryAfterSeconds} s`,
          decision.retryAfterSeconds,
        );
      }
      try {
        return await call();
      } catch (err) {
        if (isRefusedCredential(err)) deps.limiter.add(ADDRESS_RATE_KIND, scope);
        throw err;
      }
    },
  };
}
