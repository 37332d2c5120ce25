import { DomainError } from '../domain/errors.js';
import type { KeyRecord } from '../domain/key.js';
import type { SharedRateLimiter } from './shared-rate-limiter.js';

export const KEY_RATE_KIND = 'key';

/** How many invites a key may create per minute. */
export interface KeyRateLimit {
  /** The key's own limit or the server's default. */
  limitOf(key: KeyRecord): number;
  /** Counts `count` invites (default 1) for the key, all or none; throws `resource_exhausted` when they would pass its limit. */
  take(key: KeyRecord, count?: number): void;
}

export function createKeyRateLimit(deps: { limiter: SharedRateLimiter; defaultPerMinute: number }): KeyRateLimit {
  const limitOf = (key: KeyRecord) => key.rateLimitPerMinute ?? deps.defaultPerMinute;
  return {
    limitOf,
    take(key, count = 1) {
      const limit = limitOf(key);
      if (count > limit) {
        throw new DomainError(
          'resource_exhausted',
          `this key may create ${limit} invites per minute: ${count} at once never fit; ask for fewer or raise the key's rate limit`,
        );
      }
      const decision = deps.limiter.take(KEY_RATE_KIND, `${KEY_RATE_KIND}:${key.id}`, limit, count);
      if (!decision.allowed) {
        const asked = count > 1 ? ` (${count} asked at once, none created)` : '';
        throw new DomainError(
          'resource_exhausted',
          `this key may create ${limit} invites per minute${asked}: try again in ${decision.retryAfterSeconds} s`,
          decision.retryAfterSeconds,
        );
      }
    },
  };
}
