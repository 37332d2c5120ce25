import assert from 'node:assert/strict';
import { nextSweepDelay, startExpirySweeper } from '../../server/service/expiry-sweeper.js';
import { createMemoryStore } from '../support/memory-store.js';
import type { InviteRecord } from '../../server/domain/invite.js';

const invite = (token: string, expiresAt: Date): InviteRecord => ({
  token,
  host: 'example.com',
  kind: 'register',
  createdAt: new Date(expiresAt.getTime() - 1000),
  expiresAt,
  source: 'admin',
  keyId: undefined,
  maxUses: 1,
  roles: [],
  groups: [],
  note: '',
});

describe('expiry sweeper (engines without TTL indexes)', () => {
  it('removes invites once they are past expiry plus retention, and keeps the rest', async () => {
    const store = createMemoryStore();
    const now = new Date('2026-11-28T12:00:00Z');
    await store.invites.insert(invite('long-gone', new Date('2026-11-20T00:00:00Z')));
    await store.invites.insert(invite('recently-expired', new Date('2026-11-28T11:00:00Z')));
    await store.invites.insert(invite('valid', new Date('2026-12-01T00:00:00Z')));
    const errors: unknown[] = [];
    const stop = startExpirySweeper({
      invites: store.invites,
      retentionSeconds: 86400,
      intervalMs: 60_000,
      now: () => now,
      onError: (e) => errors.push(e),
    });
    await stop();
    assert.equal(await store.invites.find('long-gone'), undefined);
    assert.ok(await store.invites.find('recently-expired'), 'kept during retention');
    assert.ok(await store.invites.find('valid'));
    assert.deepEqual(errors, []);
  });

  it('reports a failed sweep instead of throwing', async () => {
    const errors: unknown[] = [];
    const stop = startExpirySweeper({
      invites: { deleteExpired: async () => Promise.reject(new Error('db down')) },
      retentionSeconds: 0,
      intervalMs: 60_000,
      now: () => new Date(),
      onError: (e) => errors.push(e),
    });
    await stop();
    assert.equal(errors.length, 1);
  });

  it("never runs two sweeps at once, and spaces sweeps out by 50 times the last one's duration", async () => {
    let inFlight = 0;
    let most = 0;
    let sweeps = 0;
    const slow = async () => {
      sweeps++;
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 40));
      inFlight--;
      return 0;
    };
    const stop = startExpirySweeper({
      invites: { deleteExpired: slow },
      retentionSeconds: 0,
      intervalMs: 5,
      now: () => new Date(),
      onError: (e) => assert.fail(String(e)),
    });
    await new Promise((r) => setTimeout(r, 400));
    await stop();
    assert.equal(most, 1, 'one sweep at a time');
    assert.equal(sweeps, 1, 'a 40 ms sweep waits 2 s before the next, not 5 ms');
  });

  it("waits the interval after quick sweeps, and 50 times a slow sweep's duration after it", () => {
    assert.equal(nextSweepDelay(60_000, 100), 60_000);
    assert.equal(nextSweepDelay(60_000, 66_000), 3_300_000, 'a full scan of a minute: the next in 55 minutes');
  });
});
