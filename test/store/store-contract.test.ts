import assert from 'node:assert/strict';
import { openMongoStore } from '../../server/store/mongo-store.js';
import type { InviteRecord, RedemptionRecord } from '../../server/domain/invite.js';
import type { KeyRecord } from '../../server/domain/key.js';
import { StoreConflict, type Store } from '../../server/store/store.js';
import { hashSecret } from '../../server/domain/secret-hash.js';
import { insertLegacyInvite, inviteRecord } from '../support/invite-fixtures.js';
import { STORE_SUBJECTS } from '../support/store-subjects.js';
import { createTestDatabase, withFreshMongoStore, type TestDatabase } from '../support/test-database.js';

const key = (id: string, host: string, createdAt: Date, name = ''): KeyRecord => ({
  id,
  host,
  name,
  secretHash: hashSecret(`secret-of-${id}`),
  createdAt,
});

const invite = (token: string, expiresAt: Date, host = 'example.com', maxUses = 1): InviteRecord =>
  inviteRecord(token, expiresAt, { host, maxUses });

for (const subject of STORE_SUBJECTS) {
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

    it("lists only the host's keys, newest first", async () => {
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

    it('finds an invite by its token, and nothing for an unknown one', async () => {
      const expiresAt = new Date('2026-06-01T00:00:00Z');
      await store.invites.insert(invite('tok-1', expiresAt));
      const found = await store.invites.find('tok-1');
      assert.equal(found?.token, 'tok-1');
      assert.equal(found?.source, 'api/token/AAAAAAAAAAAA');
      assert.equal(found?.expiresAt.toISOString(), expiresAt.toISOString());
      assert.equal(await store.invites.find('nope'), undefined);
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
        else assert.equal(r.status, 'fulfilled', `invite ${i}: ${String((r as PromiseRejectedResult).reason)}`);
      });
      for (const t of tokens) assert.ok(await store.invites.find(t), t);
    });

    it('removes only invites that expired before the given time', async () => {
      await store.invites.insert(invite('old', new Date('2026-01-01T00:00:00Z')));
      await store.invites.insert(invite('new', new Date('2026-03-01T00:00:00Z')));
      assert.equal(await store.invites.deleteExpired(new Date('2026-02-01T00:00:00Z')), 1);
      assert.equal(await store.invites.find('old'), undefined);
      assert.equal((await store.invites.find('new'))?.token, 'new');
    });

    it("keeps an invite's options and finds it after it has expired too", async () => {
      const expiresAt = new Date('2026-06-01T00:00:00Z');
      await store.invites.insert({
        ...invite('tok-1', expiresAt, 'example.com', 5),
        roles: ['prosody:member'],
        groups: ['team', 'friends'],
        note: 'for the Q3 hires',
      });
      const found = await store.invites.find('tok-1');
      assert.equal(found?.maxUses, 5);
      assert.deepEqual(found?.roles, ['prosody:member']);
      assert.deepEqual(found?.groups, ['team', 'friends']);
      assert.equal(found?.note, 'for the Q3 hires');
      assert.equal((await store.invites.find('tok-1'))?.token, 'tok-1', 'find ignores expiry');
      assert.equal(await store.invites.find('nope'), undefined);
    });

    it('lists invites newest first, by host or by key, page after page from a cursor', async () => {
      const t0 = Date.parse('2026-05-01T00:00:00Z');
      const make = (token: string, minutes: number, host: string, keyId: string) => ({
        ...invite(token, new Date(t0 + minutes * 60_000 + 3_600_000), host),
        createdAt: new Date(t0 + minutes * 60_000),
        keyId,
      });
      // Two invites share a creation time: the token breaks the tie.
      for (const i of [
        make('a1', 1, 'example.com', 'K1'),
        make('a2', 2, 'example.com', 'K2'),
        make('b2', 2, 'example.com', 'K1'),
        make('a3', 3, 'other.org', 'K3'),
        make('a4', 4, 'example.com', 'K1'),
      ]) {
        await store.invites.insert(i);
      }
      const tokens = (list: InviteRecord[]) => list.map((i) => i.token);
      assert.deepEqual(tokens(await store.invites.list({ host: 'example.com' }, undefined, 10)), ['a4', 'a2', 'b2', 'a1']);
      assert.deepEqual(tokens(await store.invites.list({ keyId: 'K1' }, undefined, 10)), ['a4', 'b2', 'a1']);
      const first = await store.invites.list({ host: 'example.com' }, undefined, 2);
      assert.deepEqual(tokens(first), ['a4', 'a2']);
      const last = first[first.length - 1]!;
      assert.deepEqual(tokens(await store.invites.list({ host: 'example.com' }, { createdAt: last.createdAt, token: last.token }, 2)), [
        'b2',
        'a1',
      ]);
      const expiryOf2 = new Date(t0 + 2 * 60_000 + 3_600_000);
      assert.deepEqual(tokens(await store.invites.list({ host: 'example.com', expiresAfter: expiryOf2 }, undefined, 10)), ['a4']);
      assert.deepEqual(tokens(await store.invites.list({ host: 'example.com', expiresAtOrBefore: expiryOf2 }, undefined, 10)), [
        'a2',
        'b2',
        'a1',
      ]);
    });

    const redemption = (use: number, account: string, token = 'tok-1'): RedemptionRecord => ({
      token,
      use,
      account,
      redeemedAt: new Date('2026-05-01T12:00:00Z'),
    });

    it('hands a use number to exactly one of 64 concurrent claims', async () => {
      const expiresAt = new Date(Date.now() + 3_600_000);
      await store.invites.insert(invite('tok-1', expiresAt));
      const results = await Promise.all(Array.from({ length: 64 }, (_, n) => store.invites.claimUse(redemption(1, `user${n}`), expiresAt)));
      const winners = results.flatMap((won, n) => (won ? [`user${n}`] : []));
      assert.equal(winners.length, 1);
      const usage = (await store.invites.usage([{ token: 'tok-1', maxUses: 1 }])).get('tok-1');
      assert.deepEqual(
        usage?.redemptions.map((r) => [r.use, r.account]),
        [[1, winners[0]]],
      );
      assert.equal(usage?.revokedAt, undefined);
    });

    it('gives 64 concurrent claimers of a 5-use invite exactly 5 uses, each once', async () => {
      const expiresAt = new Date(Date.now() + 3_600_000);
      await store.invites.insert(invite('tok-1', expiresAt, 'example.com', 5));
      const claimFirstFree = async (account: string) => {
        for (let use = 1; use <= 5; use++) if (await store.invites.claimUse(redemption(use, account), expiresAt)) return use;
        return undefined;
      };
      const results = await Promise.all(Array.from({ length: 64 }, (_, n) => claimFirstFree(`user${n}`)));
      const won = results.flatMap((use, n) => (use === undefined ? [] : [[use, `user${n}`] as const]));
      assert.equal(won.length, 5);
      const usage = (await store.invites.usage([{ token: 'tok-1', maxUses: 5 }])).get('tok-1');
      assert.deepEqual(
        usage?.redemptions.map((r) => [r.use, r.account]),
        [...won].sort((x, y) => x[0] - y[0]),
      );
    });

    it('lets no claim succeed once a revocation has resolved, keeps earlier uses, and revokes idempotently', async () => {
      const expiresAt = new Date(Date.now() + 3_600_000);
      const i = invite('tok-1', expiresAt, 'example.com', 3);
      await store.invites.insert(i);
      assert.equal(await store.invites.claimUse(redemption(1, 'alice'), expiresAt), true);
      const revokedAt = new Date('2026-05-02T00:00:00Z');
      await store.invites.revoke(i, revokedAt);
      for (const use of [1, 2, 3]) assert.equal(await store.invites.claimUse(redemption(use, 'mallory'), expiresAt), false, `use ${use}`);
      await store.invites.revoke(i, new Date('2026-05-03T00:00:00Z'));
      const usage = (await store.invites.usage([i])).get('tok-1');
      assert.equal(usage?.revokedAt?.toISOString(), revokedAt.toISOString(), 'the first revocation time stays');
      assert.deepEqual(
        usage?.redemptions.map((r) => r.account),
        ['alice'],
      );
    });

    it('records every claim that won a race with a revocation, and none after it', async () => {
      const expiresAt = new Date(Date.now() + 3_600_000);
      const i = invite('tok-1', expiresAt, 'example.com', 16);
      await store.invites.insert(i);
      const claimFirstFree = async (account: string) => {
        for (let use = 1; use <= 16; use++) if (await store.invites.claimUse(redemption(use, account), expiresAt)) return true;
        return false;
      };
      const racing = Array.from({ length: 64 }, (_, n) => claimFirstFree(`user${n}`));
      await store.invites.revoke(i, new Date());
      const late = await Promise.all(Array.from({ length: 8 }, (_, n) => claimFirstFree(`late${n}`)));
      assert.deepEqual(late, Array(8).fill(false), 'no claim succeeds after revoke resolved');
      const winners = (await Promise.all(racing)).filter(Boolean).length;
      assert.ok(winners <= 16);
      const usage = (await store.invites.usage([i])).get('tok-1');
      assert.equal(usage?.redemptions.length, winners, 'every reported success is recorded');
      assert.ok(usage?.revokedAt);
    });

    it('reports usage only for invites something happened to', async () => {
      const expiresAt = new Date(Date.now() + 3_600_000);
      await store.invites.insert(invite('tok-1', expiresAt));
      await store.invites.insert(invite('tok-2', expiresAt));
      await store.invites.claimUse(redemption(1, 'alice', 'tok-2'), expiresAt);
      const usage = await store.invites.usage(['tok-1', 'tok-2', 'tok-3'].map((token) => ({ token, maxUses: 1 })));
      assert.deepEqual([...usage.keys()], ['tok-2']);
      assert.deepEqual((await store.invites.usage([])).size, 0);
    });

    it("removes an expired invite's redemptions along with it", async () => {
      const expiresAt = new Date('2026-01-01T00:00:00Z');
      await store.invites.insert(invite('old', expiresAt));
      await store.invites.claimUse(redemption(1, 'alice', 'old'), expiresAt);
      assert.equal(await store.invites.deleteExpired(new Date('2026-02-01T00:00:00Z')), 1);
      assert.equal((await store.invites.usage([{ token: 'old', maxUses: 1 }])).size, 0);
    });

    it('answers a ping', async () => {
      await store.ping();
    });

    it('has every index it needs once open', async () => {
      assert.deepEqual(await store.missingIndexes(), []);
    });
  });
}

describe('mongo store: an existing database', () => {
  let db: TestDatabase;
  let store: Store;
  before(async () => {
    db = await createTestDatabase();
    store = await openMongoStore({ uri: db.uri, database: db.name });
  });
  after(async () => {
    await store.close();
    await db.drop();
  });

  it('opens again on a database it has already set up, as a restart or a second instance does', async () => {
    const again = await openMongoStore({ uri: db.uri, database: db.name });
    try {
      await again.ping();
      assert.deepEqual(await again.invites.list({ host: 'nobody.example' }, undefined, 1), []);
    } finally {
      await again.close();
    }
  });

  it('drops the TTL indexes an earlier version made: expiry is the sweep alone, on every engine', async () => {
    // The earlier version's indexes: TTL indexes on MongoDB (plain ones where the engine has no TTL,
    // which that version never made, but whose names are enough to check they go).
    const leftovers = [
      ['invites', 'invites_by_expiry', 'expiresAt'],
      ['redemptions', 'redemptions_by_expiry', 'inviteExpiresAt'],
    ] as const;
    for (const [collection, name, field] of leftovers) {
      const coll = db.client.db(db.name).collection(collection);
      await coll.createIndex({ [field]: 1 }, { name, expireAfterSeconds: 0 }).catch(() => coll.createIndex({ [field]: 1 }, { name }));
    }
    const reopened = await openMongoStore({ uri: db.uri, database: db.name });
    try {
      for (const [collection, name] of leftovers) {
        const indexes = await db.client.db(db.name).collection(collection).listIndexes().toArray();
        assert.deepEqual(
          indexes.filter((i) => i.name === name || i.expireAfterSeconds !== undefined).map((i) => i.name),
          [],
          `${collection} keeps ${name}`,
        );
      }
      assert.deepEqual(await reopened.missingIndexes(), []);
    } finally {
      await reopened.close();
    }
  });

  it('reads them as single-use, with no roles, groups or note', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000);
    await insertLegacyInvite(db, 'legacy-token', expiresAt);
    const found = await store.invites.find('legacy-token');
    assert.deepEqual([found?.maxUses, found?.roles, found?.groups, found?.note], [1, [], [], '']);
  });
});

describe('mongo store: lookups by _id', () => {
  // The embedded engine (FerretDB v1 on SQLite) scanned the whole collection for every lookup,
  // update and delete by _id until embedded-db/patches/ made its queries use its _id index.
  it('finds keys, invites and claims by _id through an index, never by scanning the collection', async () => {
    await withFreshMongoStore(async ({ db }) => {
      for (const collection of ['keys', 'invites', 'redemptions']) {
        // Only a find explains its filter on both engines (FerretDB explains no update or delete).
        const plan = JSON.stringify(
          await db.client.db(db.name).command({ explain: { find: collection, filter: { _id: 'some-id' }, limit: 1 } }),
        );
        // MongoDB: IDHACK / EXPRESS_IXSCAN / IXSCAN; SQLite: "SEARCH ... USING INDEX".
        assert.match(plan, /IDHACK|IXSCAN|USING INDEX/, `${collection}: ${plan.slice(0, 400)}`);
        assert.doesNotMatch(plan, /COLLSCAN/, collection);
      }
    });
  });

  // What usage, holds and revocations ask (known _ids, never `token`): the patch in
  // embedded-db/patches/ serves an _id $in, and _id beside other conditions, from the _id index.
  it('serves an _id $in, and _id with other conditions, from the _id index', async () => {
    await withFreshMongoStore(async ({ db }) => {
      const filters = [
        { _id: { $in: ['t:1', 't:2', 't:revoked'] }, kind: { $ne: 'void' } },
        { _id: 't:1', holdId: 'h' },
      ];
      for (const filter of filters) {
        const plan = JSON.stringify(await db.client.db(db.name).command({ explain: { find: 'redemptions', filter } }));
        assert.match(plan, /IDHACK|IXSCAN|USING INDEX/, `${JSON.stringify(filter)}: ${plan.slice(0, 400)}`);
        assert.doesNotMatch(plan, /COLLSCAN/, JSON.stringify(filter));
      }
    });
  });
});

describe('mongo store: index readiness', () => {
  it('names an index that was dropped after start', async () => {
    await withFreshMongoStore(async ({ db, store }) => {
      await db.client.db(db.name).collection('keys').dropIndex('keys_by_host_newest');
      assert.deepEqual(await store.missingIndexes(), ['keys_by_host_newest']);
      await db.client.db(db.name).collection('redemptions').dropIndex('redemptions_by_token');
      assert.deepEqual(await store.missingIndexes(), ['keys_by_host_newest', 'redemptions_by_token']);
    });
  });
});
