import assert from 'node:assert/strict';
import { openMongoStore } from '../../server/store/mongo-store.js';
import { createMemoryStore } from '../../server/store/memory-store.js';
import { StoreConflict, type InviteRecord, type KeyRecord, type Store } from '../../server/store/store.js';
import { hashSecret } from '../../server/domain/secret-hash.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const key = (id: string, host: string, createdAt: Date, name = ''): KeyRecord => ({
  id,
  host,
  name,
  secretHash: hashSecret(`secret-of-${id}`),
  createdAt,
});

const invite = (token: string, expiresAt: Date, host = 'example.com'): InviteRecord => ({
  token,
  host,
  kind: 'register',
  createdAt: new Date(expiresAt.getTime() - 1000),
  expiresAt,
  source: 'api/token/AAAAAAAAAAAA',
  keyId: 'AAAAAAAAAAAA',
});

interface Subject {
  name: string;
  open(): Promise<{ store: Store; done(): Promise<void> }>;
}

const subjects: Subject[] = [
  {
    name: 'memory store',
    open: async () => ({ store: createMemoryStore(), done: async () => {} }),
  },
  {
    name: 'mongo store',
    open: async () => {
      const db: TestDatabase = await createTestDatabase();
      const store = await openMongoStore({ uri: db.uri, database: db.name, expiredRetentionSeconds: 0 });
      return {
        store,
        done: async () => {
          await store.close();
          await db.drop();
        },
      };
    },
  },
];

for (const subject of subjects) {
  describe(`store contract: ${subject.name}`, () => {
    let store: Store;
    let done: () => Promise<void>;
    beforeEach(async () => ({ store, done } = await subject.open()));
    afterEach(async () => done());

    it('returns a key by id with its secret hash, exactly as inserted', async () => {
      const k = key('AAAAAAAAAAA1', 'example.com', new Date('2026-01-01T00:00:00Z'), 'My test key');
      await store.keys.insert(k);
      const found = await store.keys.findById(k.id);
      assert.ok(found);
      assert.equal(found.host, 'example.com');
      assert.equal(found.name, 'My test key');
      assert.equal(found.createdAt.toISOString(), '2026-01-01T00:00:00.000Z');
      assert.deepEqual(Buffer.from(found.secretHash), Buffer.from(k.secretHash));
      assert.equal(await store.keys.findById('AAAAAAAAAAA2'), undefined);
    });

    it('refuses a second key with the same id', async () => {
      await store.keys.insert(key('AAAAAAAAAAA1', 'example.com', new Date()));
      await assert.rejects(store.keys.insert(key('AAAAAAAAAAA1', 'other.org', new Date())), StoreConflict);
    });

    it('lists only the host\'s keys, newest first', async () => {
      await store.keys.insert(key('AAAAAAAAAAA1', 'example.com', new Date('2026-01-01T00:00:00Z')));
      await store.keys.insert(key('AAAAAAAAAAA2', 'example.com', new Date('2026-01-03T00:00:00Z')));
      await store.keys.insert(key('AAAAAAAAAAA3', 'other.org', new Date('2026-01-02T00:00:00Z')));
      await store.keys.insert(key('AAAAAAAAAAA4', 'example.com', new Date('2026-01-02T00:00:00Z')));
      const ids = (await store.keys.listByHost('example.com')).map((k) => k.id);
      assert.deepEqual(ids, ['AAAAAAAAAAA2', 'AAAAAAAAAAA4', 'AAAAAAAAAAA1']);
      assert.deepEqual(await store.keys.listByHost('nobody.net'), []);
    });

    it('deletes a key only on its own host, and says whether it did', async () => {
      await store.keys.insert(key('AAAAAAAAAAA1', 'example.com', new Date()));
      assert.equal(await store.keys.delete('other.org', 'AAAAAAAAAAA1'), false);
      assert.ok(await store.keys.findById('AAAAAAAAAAA1'));
      assert.equal(await store.keys.delete('example.com', 'AAAAAAAAAAA1'), true);
      assert.equal(await store.keys.findById('AAAAAAAAAAA1'), undefined);
      assert.equal(await store.keys.delete('example.com', 'AAAAAAAAAAA1'), false);
    });

    it('finds an invite until it expires, never after', async () => {
      const expiresAt = new Date('2026-06-01T00:00:00Z');
      await store.invites.insert(invite('tok-1', expiresAt));
      const before = await store.invites.findValid('tok-1', new Date(expiresAt.getTime() - 1));
      assert.equal(before?.token, 'tok-1');
      assert.equal(before?.source, 'api/token/AAAAAAAAAAAA');
      assert.equal(before?.expiresAt.toISOString(), expiresAt.toISOString());
      assert.equal(await store.invites.findValid('tok-1', expiresAt), undefined);
      assert.equal(await store.invites.findValid('nope', new Date(0)), undefined);
    });

    it('refuses a second invite with the same token', async () => {
      await store.invites.insert(invite('tok-1', new Date(Date.now() + 60_000)));
      await assert.rejects(store.invites.insert(invite('tok-1', new Date(Date.now() + 60_000))), StoreConflict);
    });

    it('stores concurrent inserts independently: a duplicate fails alone', async () => {
      const exp = new Date(Date.now() + 60_000);
      await store.invites.insert(invite('taken', exp));
      const tokens = Array.from({ length: 30 }, (_, i) => (i === 7 ? 'taken' : `t-${i}`));
      const results = await Promise.allSettled(tokens.map((t) => store.invites.insert(invite(t, exp))));
      results.forEach((r, i) => {
        if (i === 7) assert.ok(r.status === 'rejected' && r.reason instanceof StoreConflict);
        else assert.equal(r.status, 'fulfilled');
      });
      for (const t of tokens) assert.ok(await store.invites.findValid(t, new Date()), t);
    });

    it('removes only invites that expired before the given time', async () => {
      await store.invites.insert(invite('old', new Date('2026-01-01T00:00:00Z')));
      await store.invites.insert(invite('new', new Date('2026-03-01T00:00:00Z')));
      assert.equal(await store.invites.deleteExpired(new Date('2026-02-01T00:00:00Z')), 1);
      assert.equal(await store.invites.findValid('old', new Date(0)), undefined);
      assert.equal((await store.invites.findValid('new', new Date(0)))?.token, 'new');
    });

    it('answers a ping', async () => {
      await store.ping();
    });

    it('has every index it needs once open', async () => {
      assert.deepEqual(await store.missingIndexes(), []);
    });
  });
}

describe('mongo store: index readiness', () => {
  it('names an index that was dropped after start', async () => {
    const db = await createTestDatabase();
    const store = await openMongoStore({ uri: db.uri, database: db.name, expiredRetentionSeconds: 0 });
    try {
      await db.client.db(db.name).collection('invites').dropIndex('invites_by_host_newest');
      assert.deepEqual(await store.missingIndexes(), ['invites_by_host_newest']);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
