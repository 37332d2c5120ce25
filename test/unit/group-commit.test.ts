import assert from 'node:assert/strict';
import { createGroupCommit } from '../../server/store/group-commit.js';

const settle = <T>(ps: Promise<T>[]) => Promise.allSettled(ps);

describe('group commit', () => {
  it('writes a lone item at once, in a batch of its own', async () => {
    const batches: number[][] = [];
    const gc = createGroupCommit<number>({
      maxBatch: 10,
      maxInFlight: 1,
      write: async (items) => (batches.push(items), items.map(() => undefined)),
    });
    await gc.submit(1);
    assert.deepEqual(batches, [[1]]);
  });

  it('writes items that arrive during a write together, each caller answered after its own write', async () => {
    const batches: number[][] = [];
    const written = new Set<number>();
    const gc = createGroupCommit<number>({
      maxBatch: 50,
      maxInFlight: 1,
      write: async (items) => {
        batches.push(items);
        await new Promise((r) => setTimeout(r, 5));
        items.forEach((i) => written.add(i));
        return items.map(() => undefined);
      },
    });
    const all = Array.from({ length: 120 }, (_, i) =>
      gc.submit(i).then(() => assert.ok(written.has(i), `${i} answered before it was written`)),
    );
    await Promise.all(all);
    assert.equal(written.size, 120);
    assert.ok(batches.length < 10, `120 items took ${batches.length} writes`);
    assert.ok(batches.every((b) => b.length <= 50));
  });

  it('sends the next batch to the database before answering the callers of the last one', async () => {
    const log: string[] = [];
    let release: () => void = () => {};
    const gc = createGroupCommit<number>({
      maxBatch: 10,
      maxInFlight: 1,
      write: async (items) => {
        log.push(`write ${items.join(',')}`);
        await (items[0] === 1 ? new Promise<void>((r) => (release = r)) : new Promise((r) => setTimeout(r, 5)));
        return items.map(() => undefined);
      },
    });
    const first = gc.submit(1).then(() => log.push('answered 1'));
    await new Promise((r) => setImmediate(r));
    const later = [2, 3].map((i) => gc.submit(i).then(() => log.push(`answered ${i}`)));
    release();
    await Promise.all([first, ...later]);
    assert.deepEqual(log.slice(0, 3), ['write 1', 'write 2,3', 'answered 1']);
  });

  it('fails exactly the items the write reports as failed', async () => {
    const gc = createGroupCommit<number>({
      maxBatch: 100,
      maxInFlight: 1,
      write: async (items) => items.map((i) => (i % 3 === 0 ? new Error(`bad ${i}`) : undefined)),
    });
    const results = await settle(Array.from({ length: 9 }, (_, i) => gc.submit(i)));
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
    );
  });

  it('fails exactly the batch whose write throws, and keeps going', async () => {
    let calls = 0;
    const gc = createGroupCommit<number>({
      maxBatch: 2,
      maxInFlight: 1,
      write: async (items) => {
        if (++calls === 1) throw new Error('connection lost');
        return items.map(() => undefined);
      },
    });
    const results = await settle([gc.submit(1), gc.submit(2), gc.submit(3), gc.submit(4)]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected', 'fulfilled', 'fulfilled'],
    );
    await gc.submit(5);
  });

  it('keeps at most maxInFlight writes going', async () => {
    let inFlight = 0;
    let most = 0;
    const gc = createGroupCommit<number>({
      maxBatch: 1,
      maxInFlight: 3,
      write: async (items) => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 2));
        inFlight--;
        return items.map(() => undefined);
      },
    });
    await Promise.all(Array.from({ length: 30 }, (_, i) => gc.submit(i)));
    assert.equal(most, 3);
  });
});
