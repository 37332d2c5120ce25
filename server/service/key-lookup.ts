import { LRUCache } from 'lru-cache';
import type { KeyRecord } from '../domain/key.js';
import type { KeyStore } from '../store/store.js';

/** How the services find keys: through a short-lived cache so the hot path does no reads. */
export interface KeyLookup {
  find(id: string): Promise<KeyRecord | undefined>;
  /** Drops the cached entry so this instance sees a change at once (others within `freshForMs`). */
  invalidate(id: string): void;
}

export interface KeyLookupOptions {
  maxEntries: number;
  /** How stale an entry may be: a key deleted on another instance works here at most this long. */
  freshForMs: number;
}

export const DEFAULT_KEY_LOOKUP_OPTIONS: KeyLookupOptions = { maxEntries: 10_000, freshForMs: 1000 };

/**
 * A bounded cache of keys, and of unknown ids (so repeated bad keys cost no reads either).
 * Concurrent misses for one id share a single read.
 */
export function createCachedKeyLookup(keys: Pick<KeyStore, 'findById'>, options: KeyLookupOptions = DEFAULT_KEY_LOOKUP_OPTIONS): KeyLookup {
  const cache = new LRUCache<string, { key: KeyRecord | undefined }>({
    max: options.maxEntries,
    ttl: options.freshForMs,
    ttlAutopurge: false,
    fetchMethod: async (id) => ({ key: await keys.findById(id) }),
  });
  return {
    async find(id) {
      return (await cache.fetch(id))?.key;
    },
    invalidate(id) {
      cache.delete(id);
    },
  };
}
