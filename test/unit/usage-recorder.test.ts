import assert from 'node:assert/strict';
import { startUsageRecorder } from '../../server/service/usage-recorder.js';
import { createMemoryStore } from '../support/memory-store.js';
import type { KeyUsageStore } from '../../server/store/store.js';

function countingStore() {
  const store = createMemoryStore().keyUsage;
  const writes: number[] = [];
  let failing = false;
  const counted: KeyUsageStore = {
    write: async (instanceId, figures) => {
      if (failing) throw new Error('db down');
      writes.push(figures.length);
      await store.write(instanceId, figures);
    },
    totals: (ids) => store.totals(ids),
    deleteKey: (id) => store.deleteKey(id),
  };
  return { store: counted, writes, fail: (f: boolean) => (failing = f) };
}

describe('key usage recorder', () => {
  it('writes many uses of several keys in one write, and nothing when there is nothing new', async () => {
    const s = countingStore();
    const r = startUsageRecorder({ store: s.store, instanceId: 'i1', flushIntervalMs: 3_600_000, onError: () => {} });
    for (let i = 0; i < 1000; i++) r.record(i % 2 ? 'K1' : 'K2', new Date(1000 + i));
    await r.flush();
    await r.flush();
    assert.deepEqual(s.writes, [2]);
    const totals = await s.store.totals(['K1', 'K2']);
    assert.equal(totals.get('K1')?.count, 500);
    assert.equal(totals.get('K1')?.lastUsedAt?.getTime(), 1999);
    r.record('K1', new Date(5000));
    await r.stop();
    assert.deepEqual(s.writes, [2, 1], 'the last flush writes only the changed key');
    assert.equal((await s.store.totals(['K1'])).get('K1')?.count, 501);
  });

  it("adds the instances' figures together, this instance's written first", async () => {
    const s = countingStore();
    const a = startUsageRecorder({ store: s.store, instanceId: 'a', flushIntervalMs: 3_600_000, onError: () => {} });
    const b = startUsageRecorder({ store: s.store, instanceId: 'b', flushIntervalMs: 3_600_000, onError: () => {} });
    a.record('K', new Date(1));
    a.record('K', new Date(2));
    await a.flush();
    b.record('K', new Date(3));
    const totals = await b.totals(['K']);
    assert.deepEqual(totals.get('K'), { count: 3, lastUsedAt: new Date(3) });
  });

  it('keeps its figures through a failed write and writes them with the next one', async () => {
    const s = countingStore();
    const errors: unknown[] = [];
    const r = startUsageRecorder({ store: s.store, instanceId: 'i', flushIntervalMs: 3_600_000, onError: (e) => errors.push(e) });
    r.record('K', new Date(1));
    s.fail(true);
    await assert.rejects(r.flush(), /db down/);
    r.record('K', new Date(2));
    s.fail(false);
    await r.flush();
    assert.equal((await s.store.totals(['K'])).get('K')?.count, 2);
  });

  it('flushes by itself on its interval', async () => {
    const s = countingStore();
    const r = startUsageRecorder({ store: s.store, instanceId: 'i', flushIntervalMs: 20, onError: () => {} });
    r.record('K', new Date(1));
    for (let i = 0; i < 100 && s.writes.length === 0; i++) await new Promise((res) => setTimeout(res, 10));
    assert.deepEqual(s.writes, [1]);
    await r.stop();
  });
});
