import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { KeyRecord } from '../domain/key.js';
import type { KeyStore } from '../store/store.js';

/**
 * What a lookup found: the stored key, or for an unknown id a decoy of the same shape (disabled,
 * with a random hash no secret has), so that refusing either does the same work on the same kind of data.
 */
export interface FoundKey {
  record: KeyRecord;
  known: boolean;
}

/** How the services find keys: through a short-lived cache so the hot path does no reads. */
export interface KeyLookup {
  find(id: string): Promise<FoundKey>;
  /** Drops the cached entry so this instance sees a change at once (others within `freshForMs`). */
  invalidate(id: string): void;
}

export interface KeyLookupOptions {
  maxEntries: number;
  /** How stale an entry may be: a key deleted on another instance works here at most this long. */
  freshForMs: number;
}

export const DEFAULT_KEY_LOOKUP_OPTIONS: KeyLookupOptions = { maxEntries: 10_000, freshForMs: 1000 };

// No secret hashes to this (it is no SHA-256 of anything known). Each decoy gets a copy of its own,
// not one shared buffer that stays in the CPU cache: a comparison against it costs what one against
// a stored key's hash does.
const DECOY_HASH = randomBytes(32);
const decoyKey = (id: string): KeyRecord => ({
  id,
  host: '',
  name: '',
  secretHash: Buffer.from(DECOY_HASH),
  createdAt: new Date(0),
  disabled: true,
});

/**
 * A bounded cache of keys, and of decoys for unknown ids (so repeated bad keys cost no reads either).
 * Concurrent misses for one id share a single read.
 */
export function createCachedKeyLookup(keys: Pick<KeyStore, 'findById'>, options: KeyLookupOptions = DEFAULT_KEY_LOOKUP_OPTIONS): KeyLookup {
  const cache = new LRUCache<string, FoundKey>({
    max: options.maxEntries,
    ttl: options.freshForMs,
    ttlAutopurge: false,
    fetchMethod: async (id) => {
      const record = await keys.findById(id);
      return record ? { record, known: true } : { record: decoyKey(id), known: false };
    },
  });
  return {
    async find(id) {
      return (await cache.fetch(id))!;
    },
    invalidate(id) {
      cache.delete(id);
    },
  };
}
