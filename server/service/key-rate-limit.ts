import { DomainError } from '../domain/errors.js';
import type { KeyRecord } from '../domain/key.js';
import type { SharedRateLimiter } from './shared-rate-limiter.js';

export const KEY_RATE_KIND = 'key';

/** How many invites a key may create per minute. */
export interface KeyRateLimit {
  /** The key's own limit or the server's default. */
  limitOf(key: KeyRecord): number;
  /** Counts one invite for the key; throws `resource_exhausted` when it has reached its limit. */
  take(key: KeyRecord): void;
}

export function createKeyRateLimit(deps: { limiter: SharedRateLimiter; defaultPerMinute: number }): KeyRateLimit {
  const limitOf = (key: KeyRecord) => key.rateLimitPerMinute ?? deps.defaultPerMinute;
  return {
    limitOf,
    take(key) {
      const limit = limitOf(key);
      const decision = deps.limiter.take(KEY_RATE_KIND, `${KEY_RATE_KIND}:${key.id}`, limit);
      if (!decision.allowed) {
        throw new DomainError(
          'resource_exhausted',
          `this key may create ${limit} invites per minute: try again in ${decision.retryAfterSeconds} s`,
          decision.retryAfterSeconds,
        );
      }
    },
  };
}
