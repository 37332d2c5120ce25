import assert from 'node:assert/strict';
import { createAuthFailureGuard } from '../../server/service/auth-failure-guard.js';
import { startSharedRateLimiter } from '../../server/service/shared-rate-limiter.js';
import { createMemoryStore } from '../support/memory-store.js';

const client = { address: '192.0.2.7' };

function guardWithLimit(failuresPerMinute: number) {
  const limiter = startSharedRateLimiter({
    store: createMemoryStore().rateCounters,
    instanceId: 'i0',
    windowMs: 60_000,
    syncIntervalMs: 3_600_000,
    readAllOfKinds: [],
    maxScopes: 100,
    now: () => 0,
    onError: () => {},
  });
  return { guard: createAuthFailureGuard({ limiter, failuresPerMinute }), limiter };
}

describe('auth-failure guard', () => {
  it('lets the next credential of an address be checked as soon as one in flight is accepted, before its call ends', async () => {
    const { guard, limiter } = guardWithLimit(1);
    let finishFirst!: () => void;
    let acceptFirst!: () => void;
    const accepted = new Promise<void>((resolve) => (acceptFirst = resolve));
    const first = guard.run(client, true, async (onAccepted) => {
      await accepted;
      onAccepted(); // the credential is good; the call goes on (a database write, say)
      await new Promise<void>((resolve) => (finishFirst = resolve));
    });
    let secondStarted = false;
    const second = guard.run(client, true, async () => {
      secondStarted = true;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(secondStarted, false, 'the only place of this address is held while the first credential is checked');
    acceptFirst();
    await second;
    assert.equal(secondStarted, true, 'the second call ran while the first had not finished');
    finishFirst();
    await first;
    await limiter.stop();
  });

  it('hands calls without a credential a callback that does nothing, and never counts them', async () => {
    const { guard, limiter } = guardWithLimit(1);
    for (let i = 0; i < 3; i++) await guard.run(client, false, async (onAccepted) => onAccepted());
    await guard.run(client, true, async (onAccepted) => onAccepted());
    await limiter.stop();
  });
});
