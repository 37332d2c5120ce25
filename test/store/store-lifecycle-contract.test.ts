import assert from 'node:assert/strict';
import { hashSecret } from '../../server/domain/secret-hash.js';
import { createMemoryStore } from '../support/memory-store.js';
import { openMongoStore } from '../../server/store/mongo-store.js';
import type { AuditRecord } from '../../server/domain/audit.js';
import type { InviteRecord } from '../../server/domain/invite.js';
import type { KeyRecord } from '../../server/domain/key.js';
import type { Store } from '../../server/store/store.js';
import { createTestDatabase } from '../support/test-database.js';

// The contract of what key lifecycle, usage, rate limits and the audit trail need from a store.

const key = (id: string, host = 'example.com', extra: Partial<KeyRecord> = {}): KeyRecord => ({
  id,
  host,
  name: '',
  secretHash: hashSecret(`secret-of-${id}`),
  createdAt: new Date('2026-01-01T00:00:00Z'),
  ...extra,
});

const invite = (token: string, createdAt: Date, host = 'example.com'): InviteRecord => ({
  token,
  host,
  kind: 'register',
  createdAt,
  expiresAt: new Date(createdAt.getTime() + 86400_000),
  source: 'api/token/AAAAAAAAAAA1',
  keyId: 'AAAAAAAAAAA1',
  maxUses: 1,
  roles: [],
  groups: [],
  note: '',
});

const event = (at: string, action: AuditRecord['action'], host = 'example.com'): AuditRecord => ({
  at: new Date(at),
  action,
  actor: 'admin',
  host,
  keyId: 'AAAAAAAAAAA1',
  inviteToken: undefined,
});

const subjects = [
  { name: 'memory store', open: async () => ({ store: createMemoryStore() as Store, done: async () => {} }) },
  {
    name: 'mongo store',
    open: async () => {
      const db = await createTestDatabase();
      const store = await openMongoStore({ uri: db.uri, database: db.name });
      return { store, done: async () => (await store.close(), await db.drop()) };
    },
  },
];

for (const subject of subjects) {
  describe(`store contract, key lifecycle and bookkeeping: ${subject.name}`, () => {
    let store: Store;
    let done: () => Promise<void>;
    beforeEach(async () => ({ store, done } = await subject.open()));
    afterEach(async () => done());

    it("keeps a key's expiry and rate limit, and starts it enabled", async () => {
      await store.keys.insert(key('AAAAAAAAAAA1', 'example.com', { expiresAt: new Date('2027-01-01T00:00:00Z'), rateLimitPerMinute: 5 }));
      await store.keys.insert(key('AAAAAAAAAAA2'));
      const a = await store.keys.findById('AAAAAAAAAAA1');
      assert.equal(a?.expiresAt?.toISOString(), '2027-01-01T00:00:00.000Z');
      assert.equal(a?.rateLimitPerMinute, 5);
      assert.ok(!a?.disabled);
      const b = await store.keys.findById('AAAAAAAAAAA2');
      assert.equal(b?.expiresAt, undefined);
      assert.equal(b?.rateLimitPerMinute, undefined);
    });

    it('disables and enables a key only on its own host', async () => {
      await store.keys.insert(key('AAAAAAAAAAA1'));
      assert.equal(await store.keys.setDisabled('other.org', 'AAAAAAAAAAA1', true), undefined);
      assert.ok(!(await store.keys.findById('AAAAAAAAAAA1'))?.disabled);
      assert.equal((await store.keys.setDisabled('example.com', 'AAAAAAAAAAA1', true))?.disabled, true);
      assert.equal((await store.keys.findById('AAAAAAAAAAA1'))?.disabled, true);
      assert.equal((await store.keys.setDisabled('example.com', 'AAAAAAAAAAA1', false))?.disabled, false);
      assert.equal(await store.keys.setDisabled('example.com', 'AAAAAAAAAAA9', true), undefined);
    });

    it("replaces a key's secret hash and records when", async () => {
      await store.keys.insert(key('AAAAAAAAAAA1', 'example.com', { rateLimitPerMinute: 7 }));
      const at = new Date('2026-02-01T00:00:00Z');
      assert.equal(await store.keys.replaceSecret('other.org', 'AAAAAAAAAAA1', hashSecret('new'), at), undefined);
      const rotated = await store.keys.replaceSecret('example.com', 'AAAAAAAAAAA1', hashSecret('new'), at);
      assert.equal(rotated?.rotatedAt?.toISOString(), at.toISOString());
      const found = await store.keys.findById('AAAAAAAAAAA1');
      assert.deepEqual(Buffer.from(found!.secretHash), hashSecret('new'));
      assert.equal(found?.rateLimitPerMinute, 7, 'the rest of the key is kept');
    });

    it('sums key use over instances, each overwriting only its own figures', async () => {
      await store.keyUsage.write('i1', [{ keyId: 'K1', count: 3, lastUsedAt: new Date('2026-01-01T00:00:03Z') }]);
      await store.keyUsage.write('i2', [
        { keyId: 'K1', count: 4, lastUsedAt: new Date('2026-01-01T00:00:09Z') },
        { keyId: 'K2', count: 1, lastUsedAt: new Date('2026-01-01T00:00:01Z') },
      ]);
      await store.keyUsage.write('i1', [{ keyId: 'K1', count: 5, lastUsedAt: new Date('2026-01-01T00:00:05Z') }]);
      const totals = await store.keyUsage.totals(['K1', 'K2', 'K3']);
      assert.deepEqual(totals.get('K1'), { count: 9, lastUsedAt: new Date('2026-01-01T00:00:09Z') });
      assert.equal(totals.get('K2')?.count, 1);
      assert.equal(totals.has('K3'), false);
      await store.keyUsage.deleteKey('K1');
      assert.equal((await store.keyUsage.totals(['K1'])).has('K1'), false);
      assert.equal((await store.keyUsage.totals(['K2'])).get('K2')?.count, 1);
    });

    it("shares rate counts: each instance reads the others' for one window, by kind or by scope", async () => {
      const expires = new Date(Date.now() + 60_000);
      await store.rateCounters.write(
        'i1',
        [
          { kind: 'key', scope: 'key:K1', window: 7, count: 3 },
          { kind: 'address', scope: 'address:10.0.0.1', window: 7, count: 2 },
          { kind: 'key', scope: 'key:K1', window: 6, count: 50 },
        ],
        expires,
      );
      await store.rateCounters.write('i2', [{ kind: 'key', scope: 'key:K1', window: 7, count: 4 }], expires);
      await store.rateCounters.write('i1', [{ kind: 'key', scope: 'key:K1', window: 7, count: 5 }], expires);
      const forI3 = await store.rateCounters.readOthers('i3', 7, { kinds: ['key'], scopes: [] });
      assert.deepEqual([...forI3].sort(), [['key:K1', 9]]);
      const forI2 = await store.rateCounters.readOthers('i2', 7, { kinds: ['key'], scopes: ['address:10.0.0.1'] });
      assert.deepEqual(
        new Map([...forI2].sort()),
        new Map([
          ['address:10.0.0.1', 2],
          ['key:K1', 5],
        ]),
      );
      assert.deepEqual([...(await store.rateCounters.readOthers('i2', 7, { kinds: [], scopes: [] }))], []);
      assert.equal(await store.rateCounters.deleteExpired(new Date(expires.getTime() - 1)), 0);
      assert.equal(await store.rateCounters.deleteExpired(new Date(expires.getTime() + 1)), 4);
      assert.deepEqual([...(await store.rateCounters.readOthers('i3', 7, { kinds: ['key'], scopes: [] }))], []);
    });

    it('lists audit events of the asked hosts since a time, newest first, at most the limit', async () => {
      await store.audit.insert(event('2026-01-01T00:00:01Z', 'key_created'));
      await store.audit.insert(event('2026-01-01T00:00:03Z', 'key_disabled'));
      await store.audit.insert(event('2026-01-01T00:00:02Z', 'key_created', 'other.org'));
      await store.audit.insert(event('2026-01-01T00:00:04Z', 'key_rotated'));
      const all = await store.audit.list({ hosts: ['example.com', 'other.org'], since: undefined, limit: 10 });
      assert.deepEqual(
        all.map((e) => e.action),
        ['key_rotated', 'key_disabled', 'key_created', 'key_created'],
      );
      assert.deepEqual(all[0], event('2026-01-01T00:00:04Z', 'key_rotated'));
      const since = await store.audit.list({ hosts: ['example.com'], since: new Date('2026-01-01T00:00:03Z'), limit: 10 });
      assert.deepEqual(
        since.map((e) => e.action),
        ['key_rotated', 'key_disabled'],
      );
      assert.equal((await store.audit.list({ hosts: ['example.com'], since: undefined, limit: 1 })).length, 1);
    });

    it('lists created invites of the asked hosts since a time, newest first', async () => {
      await store.invites.insert(invite('t1', new Date('2026-01-01T00:00:01Z')));
      await store.invites.insert(invite('t2', new Date('2026-01-01T00:00:02Z'), 'other.org'));
      await store.invites.insert(invite('t3', new Date('2026-01-01T00:00:03Z')));
      const all = await store.invites.listCreated({ hosts: ['example.com'], since: undefined, limit: 10 });
      assert.deepEqual(
        all.map((i) => i.token),
        ['t3', 't1'],
      );
      assert.equal(all[0]?.keyId, 'AAAAAAAAAAA1');
      const since = await store.invites.listCreated({
        hosts: ['example.com', 'other.org'],
        since: new Date('2026-01-01T00:00:02Z'),
        limit: 10,
      });
      assert.deepEqual(
        since.map((i) => i.token),
        ['t3', 't2'],
      );
    });
  });
}
