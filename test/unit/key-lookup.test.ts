import assert from 'node:assert/strict';
import { createCachedKeyLookup } from '../../server/service/key-lookup.js';
import type { KeyRecord } from '../../server/domain/key.js';

const record = (id: string): KeyRecord => ({ id, host: 'example.com', name: '', secretHash: new Uint8Array(32), createdAt: new Date() });

function countingStore(known: string[]) {
  const reads: string[] = [];
  return {
    reads,
    findById: async (id: string) => {
      reads.push(id);
      await new Promise((r) => setTimeout(r, 1));
      return known.includes(id) ? record(id) : undefined;
    },
  };
}

describe('cached key lookup', () => {
  it('reads a key once while it is fresh, and shares one read among concurrent misses', async () => {
    const store = countingStore(['AAAAAAAAAAAA']);
    const lookup = createCachedKeyLookup(store, { maxEntries: 100, freshForMs: 60_000 });
    const found = await Promise.all(Array.from({ length: 20 }, () => lookup.find('AAAAAAAAAAAA')));
    assert.ok(found.every((k) => k.known && k.record.id === 'AAAAAAAAAAAA'));
    await lookup.find('AAAAAAAAAAAA');
    assert.deepEqual(store.reads, ['AAAAAAAAAAAA']);
  });

  it('remembers unknown ids too, so a repeated bad key costs no reads', async () => {
    const store = countingStore([]);
    const lookup = createCachedKeyLookup(store, { maxEntries: 100, freshForMs: 60_000 });
    for (let i = 0; i < 10; i++) assert.equal((await lookup.find('BBBBBBBBBBBB')).known, false);
    assert.equal(store.reads.length, 1);
  });

  it('answers an unknown id with a disabled decoy shaped like a stored key, with a hash of its own', async () => {
    const lookup = createCachedKeyLookup(countingStore(['AAAAAAAAAAAA']), { maxEntries: 100, freshForMs: 60_000 });
    const stored = await lookup.find('AAAAAAAAAAAA');
    const [decoy, other] = [await lookup.find('BBBBBBBBBBBB'), await lookup.find('CCCCCCCCCCCC')];
    assert.equal(decoy.record.disabled, true);
    assert.deepEqual(Object.keys(decoy.record).sort(), Object.keys(stored.record).concat('disabled').sort());
    assert.equal(decoy.record.secretHash.length, stored.record.secretHash.length);
    assert.notEqual(decoy.record.secretHash, other.record.secretHash, 'not one shared buffer');
    assert.equal((await lookup.find('BBBBBBBBBBBB')).record, decoy.record, 'cached like a key');
  });

  it('reads again once an entry is older than freshForMs, or invalidated', async () => {
    const store = countingStore(['AAAAAAAAAAAA']);
    const lookup = createCachedKeyLookup(store, { maxEntries: 100, freshForMs: 50 });
    await lookup.find('AAAAAAAAAAAA');
    await new Promise((r) => setTimeout(r, 80));
    await lookup.find('AAAAAAAAAAAA');
    assert.equal(store.reads.length, 2);
    lookup.invalidate('AAAAAAAAAAAA');
    await lookup.find('AAAAAAAAAAAA');
    assert.equal(store.reads.length, 3);
  });

  it('holds at most maxEntries', async () => {
    const store = countingStore([]);
    const lookup = createCachedKeyLookup(store, { maxEntries: 5, freshForMs: 60_000 });
    for (let i = 0; i < 10; i++) await lookup.find(`id${i}`);
    await lookup.find('id0');
    assert.equal(store.reads.length, 11, 'the oldest entry was evicted');
  });
});
