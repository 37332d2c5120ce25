import { DomainError } from '../domain/errors.js';
import type { ClientInfo } from './auth-failure-guard.js';
import type { SharedRateLimiter } from './shared-rate-limiter.js';

export const PUBLIC_READ_RATE_KIND = 'public-read';

/**
 * Invite views (GetInvite and the landing page share one budget) per client address per minute:
 * anyone may call them without a credential, and each costs the database a lookup.
 */
export interface PublicReadLimit {
  /** Counts one view for the client; throws `resource_exhausted` when its address has reached the limit. */
  take(client: ClientInfo): void;
}

/** `perMinute` 0 turns it off; a client whose address is unknown is not counted. */
export function createPublicReadLimit(deps: { limiter: SharedRateLimiter; perMinute: number }): PublicReadLimit {
  return {
    take(client) {
      if (deps.perMinute === 0 || client.address === undefined) return;
      const decision = deps.limiter.take(PUBLIC_READ_RATE_KIND, `${PUBLIC_READ_RATE_KIND}:${client.address}`, deps.perMinute);
      if (!decision.allowed) {
        throw new DomainError(
          'resource_exhausted',
          `your address may view ${deps.perMinute} invites per minute: try again in ${decision.retryAfterSeconds} s`,
          decision.retryAfterSeconds,
        );
      }
    },
  };
}
