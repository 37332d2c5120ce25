/** A key's ceilings on the invites it asks for (set at CreateKey, changed with UpdateKey). */
import { DomainError } from '../domain/errors.js';
import type { KeyRecord } from '../domain/key.js';

export type KeyCeilings = Pick<KeyRecord, 'maxUsesCeiling' | 'maxTtlSeconds' | 'maxValidInvites'>;

/**
 * Refuses options above the key's ceilings, naming the limit and the value asked for
 * (invalid_argument: asking again with the same options cannot succeed).
 */
export function checkKeyCeilings(key: KeyCeilings, asked: { ttlSeconds?: number | undefined; maxUses?: number | undefined }): void {
  if (key.maxUsesCeiling !== undefined && asked.maxUses !== undefined && asked.maxUses > key.maxUsesCeiling) {
    throw new DomainError('invalid_argument', `max_uses ${asked.maxUses} is above this key's ceiling of ${key.maxUsesCeiling}`);
  }
  if (key.maxTtlSeconds !== undefined && asked.ttlSeconds !== undefined && asked.ttlSeconds > key.maxTtlSeconds) {
    throw new DomainError(
      'invalid_argument',
      `ttl ${asked.ttlSeconds} seconds is above this key's ceiling of ${key.maxTtlSeconds} seconds`,
    );
  }
}

/** The lifetime an invite gets when the caller asks for none: the host's default, within the key's ceiling. */
export function defaultTtlFor(key: KeyCeilings | undefined, hostDefaultSeconds: number): number {
  return key?.maxTtlSeconds !== undefined ? Math.min(key.maxTtlSeconds, hostDefaultSeconds) : hostDefaultSeconds;
}
