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
 *
 * A credential still being checked holds one of the address's remaining refusals, so however
 * many guesses are in flight at once, at most the limit of them is ever answered: the others
 * wait for a place and are refused once the limit is reached. A credential found good gives
 * its place back at once (the `accepted` callback `run` hands its call, which the transport puts
 * on the presented credential for the authenticators), so an honest client's concurrency costs
 * nothing. Passed explicitly rather than found through AsyncLocalStorage, which on Node 20 turns
 * on promise hooks that every promise of the process then pays (bench/README.md).
 */
export interface AuthFailureGuard {
  run<T>(client: ClientInfo, credentialPresented: boolean, call: (accepted: () => void) => Promise<T>): Promise<T>;
}

const nothing = () => {};

const isRefusedCredential = (err: unknown) =>
  err instanceof DomainError && (err.kind === 'invalid_token' || err.kind === 'unauthenticated');

/** The credentials of one address being checked right now, and the calls waiting for a place. */
interface InFlight {
  count: number;
  waiters: Array<() => void>;
}

const tooManyRefused = (retryAfterSeconds: number) =>
  new DomainError(
    'resource_exhausted',
    `too many refused credentials from your address: try again in ${retryAfterSeconds} s`,
    retryAfterSeconds,
  );

/** Takes one place in `entry`; giving it back (once) wakes the waiters, after `forgetIfIdle`. */
function occupy(entry: InFlight, forgetIfIdle: () => void): { release(): void } {
  entry.count++;
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      entry.count--;
      // Everyone waiting looks again: one may take this place, the others wait or are refused.
      const waiters = entry.waiters.splice(0);
      forgetIfIdle();
      for (const wake of waiters) wake();
    },
  };
}

export function createAuthFailureGuard(deps: { limiter: SharedRateLimiter; failuresPerMinute: number }): AuthFailureGuard {
  const inFlight = new Map<string, InFlight>();

  const forgetIfIdle = (scope: string) => {
    const entry = inFlight.get(scope);
    if (entry && entry.count === 0 && entry.waiters.length === 0) inFlight.delete(scope);
  };

  /** Waits until the address's refusals plus its credentials in flight are below the limit, then takes a place. */
  async function takePlace(scope: string): Promise<{ release(): void }> {
    for (;;) {
      const refused = deps.limiter.check(ADDRESS_RATE_KIND, scope, deps.failuresPerMinute);
      if (!refused.allowed) {
        forgetIfIdle(scope);
        throw tooManyRefused(refused.retryAfterSeconds);
      }
      const entry = inFlight.get(scope) ?? { count: 0, waiters: [] };
      if (deps.limiter.check(ADDRESS_RATE_KIND, scope, deps.failuresPerMinute - entry.count).allowed) {
        inFlight.set(scope, entry);
        return occupy(entry, () => forgetIfIdle(scope));
      }
      // entry.count > 0 here (the limit was not reached without it), so a release will wake us.
      await new Promise<void>((resolve) => entry.waiters.push(resolve));
    }
  }

  return {
    async run(client, credentialPresented, call) {
      // Calls without a credential cannot be guesses: they are neither counted nor refused.
      if (!credentialPresented || client.address === undefined) return call(nothing);
      const scope = `${ADDRESS_RATE_KIND}:${client.address}`;
      const place = await takePlace(scope);
      try {
        return await call(place.release);
      } catch (err) {
        // Counted before the place is given back, so that the waiters see it.
        if (isRefusedCredential(err)) deps.limiter.add(ADDRESS_RATE_KIND, scope);
        throw err;
      } finally {
        place.release();
      }
    },
  };
}
