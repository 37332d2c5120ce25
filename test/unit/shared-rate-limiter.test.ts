import assert from 'node:assert/strict';
import { startSharedRateLimiter, type SharedRateLimiter } from '../../server/service/shared-rate-limiter.js';
import { createMemoryStore } from '../support/memory-store.js';
import type { RateCounterStore } from '../../server/store/store.js';

const MINUTE = 60_000;

function instances(n: number, store: RateCounterStore, clock: { t: number }, errors: unknown[] = []): SharedRateLimiter[] {
  return Array.from({ length: n }, (_, i) =>
    startSharedRateLimiter({
      store,
      instanceId: `i${i}`,
      windowMs: MINUTE,
      syncIntervalMs: 3_600_000, // synced by hand in these tests
      readAllOfKinds: ['key'],
      maxScopes: 3,
      now: () => clock.t,
      onError: (err) => errors.push(err),
    }),
  );
}

const allowed = (l: SharedRateLimiter, scope: string, limit: number, kind = 'key') => l.take(kind, scope, limit).allowed;

describe('shared rate limiter', () => {
  it('allows up to the limit per window on one instance, then says how long to wait', () => {
    const clock = { t: 10 * MINUTE + 15_000 };
    const [a] = instances(1, createMemoryStore().rateCounters, clock);
    const results = Array.from({ length: 5 }, () => allowed(a!, 'key:K', 3));
    assert.deepEqual(results, [true, true, true, false, false]);
    assert.equal(a!.take('key', 'key:K', 3).retryAfterSeconds, 45);
    assert.equal(allowed(a!, 'key:OTHER', 3), true, 'scopes are separate');
    clock.t = 11 * MINUTE;
    assert.equal(allowed(a!, 'key:K', 3), true, 'a new window starts afresh');
  });

  it('shares one limit between instances once they have synced: key scopes before they see them', async () => {
    const clock = { t: 5 * MINUTE };
    const [a, b] = instances(2, createMemoryStore().rateCounters, clock);
    for (let i = 0; i < 6; i++) assert.ok(allowed(a!, 'key:K', 10));
    await a!.sync();
    await b!.sync();
    const onB = Array.from({ length: 6 }, () => allowed(b!, 'key:K', 10));
    assert.deepEqual(onB, [true, true, true, true, false, false]);
    await b!.sync();
    await a!.sync();
    assert.equal(allowed(a!, 'key:K', 10), false, "A now knows B's four");
  });

  it('reads address scopes only once it has seen them, and then shares them too', async () => {
    const clock = { t: 5 * MINUTE };
    const [a, b] = instances(2, createMemoryStore().rateCounters, clock);
    for (let i = 0; i < 5; i++) a!.add('address', 'address:10.0.0.1');
    await a!.sync();
    await b!.sync();
    assert.equal(b!.check('address', 'address:10.0.0.1', 5).allowed, true, 'not read: B never saw that address');
    b!.add('address', 'address:10.0.0.1');
    await b!.sync();
    assert.equal(b!.check('address', 'address:10.0.0.1', 5).allowed, false, 'read once seen: 5 on A + 1 here');
  });

  it('can be passed between two syncs only by what the other instances allow meanwhile', async () => {
    const clock = { t: 5 * MINUTE };
    const [a, b, c] = instances(3, createMemoryStore().rateCounters, clock);
    // All three see a burst before any sync: each allows up to the limit on its own knowledge.
    const admitted = [a, b, c].map((l) => Array.from({ length: 10 }, () => allowed(l!, 'key:K', 4)).filter(Boolean).length);
    assert.deepEqual(admitted, [4, 4, 4]);
    for (const l of [a, b, c]) await l!.sync();
    for (const l of [a, b, c]) await l!.sync();
    assert.deepEqual(
      [a, b, c].map((l) => allowed(l!, 'key:K', 100)),
      [true, true, true],
    );
    assert.deepEqual(
      [a, b, c].map((l) => allowed(l!, 'key:K', 12)),
      [false, false, false],
      'after a sync everyone counts all 15',
    );
  });

  it('keeps counting locally while the store fails, and writes the counts once it works again', async () => {
    const clock = { t: 5 * MINUTE };
    const store = createMemoryStore().rateCounters;
    let failing = true;
    const flaky: RateCounterStore = {
      write: (...args) => (failing ? Promise.reject(new Error('db down')) : store.write(...args)),
      readOthers: (...args) => (failing ? Promise.reject(new Error('db down')) : store.readOthers(...args)),
      deleteExpired: (...args) => store.deleteExpired(...args),
    };
    const [a] = instances(1, flaky, clock);
    const [b] = instances(2, store, clock).slice(1);
    for (let i = 0; i < 3; i++) assert.ok(allowed(a!, 'key:K', 3));
    await assert.rejects(a!.sync(), /db down/);
    assert.equal(allowed(a!, 'key:K', 3), false, 'the local count still limits');
    failing = false;
    await a!.sync();
    await b!.sync();
    assert.equal(allowed(b!, 'key:K', 3), false, 'the counts reached the store');
  });

  it('tracks at most maxScopes per window and reports it once', () => {
    const clock = { t: 5 * MINUTE };
    const errors: unknown[] = [];
    const [a] = instances(1, createMemoryStore().rateCounters, clock, errors);
    for (const s of ['a', 'b', 'c', 'd', 'e']) a!.add('address', `address:${s}`);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /at most 3 scopes/);
  });

  it('still limits a new scope when full, by forgetting the scope counted least recently', () => {
    const clock = { t: 5 * MINUTE };
    const [a] = instances(1, createMemoryStore().rateCounters, clock);
    for (const s of ['a', 'b', 'c']) for (let i = 0; i < 2; i++) a!.add('address', `address:${s}`);
    a!.add('address', 'address:a'); // a counted last: b is now the least recent
    const taken = Array.from({ length: 4 }, () => allowed(a!, 'address:new', 2, 'address'));
    assert.deepEqual(taken, [true, true, false, false], 'a scope first seen when the table is full is limited like any other');
    assert.equal(a!.check('address', 'address:a', 3).allowed, false, 'the recently counted scope is kept');
    assert.equal(a!.check('address', 'address:c', 2).allowed, false);
    assert.equal(a!.check('address', 'address:b', 2).allowed, true, 'the least recently counted one was forgotten');
  });
});
