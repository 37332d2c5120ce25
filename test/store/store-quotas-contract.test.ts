import assert from 'node:assert/strict';
import { openMongoStore } from '../../server/store/mongo-store.js';
import type { Store } from '../../server/store/store.js';
import { routerHarness } from '../support/router-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { STORE_SUBJECTS } from '../support/store-subjects.js';

// The contract behind a key's max_valid_invites and a host's userInviteQuota on every store:
// quota slots and units are taken by inserts, so concurrent takers never get more than there are.

const subjects = STORE_SUBJECTS;

const later = () => new Date(Date.now() + 3_600_000);

for (const subject of subjects) {
  describe(`store contract, quotas: ${subject.name}`, () => {
    let store: Store;
    let done: () => Promise<void>;
    beforeEach(async () => ({ store, done } = await subject.open()));
    afterEach(async () => done());

    it('gives a slot to exactly one of 16 concurrent takers', async () => {
      const won = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          store.quotas.occupy('key:K', [{ slot: 1, token: `t${i}`, nonce: `n${i}`, expiresAt: later() }]),
        ),
      );
      assert.equal(won.flat().length, 1);
      assert.equal((await store.quotas.occupants('key:K', [1, 2, 3])).size, 1);
    });

    it('frees each holding once, and never a later holding of the same slot', async () => {
      await store.quotas.occupy('key:K', [{ slot: 2, token: 'a', nonce: 'first', expiresAt: later() }]);
      const releases = await Promise.all(Array.from({ length: 8 }, () => store.quotas.release('key:K', 2, 'first', later())));
      assert.equal(releases.filter(Boolean).length, 1);
      await store.quotas.occupy('key:K', [{ slot: 2, token: 'b', nonce: 'second', expiresAt: later() }]);
      assert.equal(await store.quotas.release('key:K', 2, 'first', later()), false);
      assert.equal((await store.quotas.occupant('key:K', 2))?.nonce, 'second');
    });

    it('hands out each of 5 units once among 20 concurrent takers', async () => {
      const units = await Promise.all(Array.from({ length: 20 }, () => store.quotas.takeUnit('user:example.com:alice:1', 5, later())));
      const got = units.filter((u) => u !== undefined).sort();
      assert.deepEqual(got, [1, 2, 3, 4, 5]);
    });

    it('lets no more than max_valid_invites of 20 concurrent creates through (through the service)', async function () {
      this.timeout(60_000);
      const h = routerHarness({ store });
      const { fullKey } = await h.adminClient.createKey({ host: 'example.com', maxValidInvites: 5, rateLimitPerMinute: 1000 }, h.admin);
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => h.inviteClient.createInvite({}, h.bearer(fullKey))));
      const created = results.filter((r) => r.status === 'fulfilled').length;
      assert.ok(created <= 5 && created >= 1, `${created} created`);
      const stored = await store.invites.list({ host: 'example.com' }, undefined, 100);
      assert.equal(stored.length, created, 'a refused create stores nothing');
      assert.deepEqual(h.unexpected, []);
    });
  });
}

describe('the expiry sweep and quota documents: mongo store', () => {
  let db: TestDatabase;
  let store: Store;
  beforeEach(async () => {
    db = await createTestDatabase();
    store = await openMongoStore({ uri: db.uri, database: db.name });
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  it("removes the units of a period that is over and the releases of expired invites, never a slot's holding", async () => {
    const past = new Date(Date.now() - 60_000);
    assert.equal(await store.quotas.takeUnit('user:example.com:alice:1', 2, past), 1);
    assert.equal(await store.quotas.takeUnit('user:example.com:alice:2', 2, later()), 1);
    await store.quotas.occupy('key:K', [{ slot: 1, token: 'a', nonce: 'n1', expiresAt: past }]);
    await store.quotas.occupy('key:K', [{ slot: 2, token: 'b', nonce: 'n2', expiresAt: past }]);
    assert.equal(await store.quotas.release('key:K', 1, 'n1', past), true);
    const ids = async () =>
      (
        await db.client
          .db(db.name)
          .collection<{ _id: string }>('redemptions')
          .find({}, { projection: { _id: 1 } })
          .toArray()
      )
        .map((d) => d._id)
        .filter((id) => id.startsWith('quota:'))
        .sort();
    assert.equal((await ids()).length, 4, 'two units, a release and a holding');
    await store.invites.deleteExpired(new Date());
    assert.deepEqual(await ids(), ['quota:key:K:2', 'quota:user:example.com:alice:2:unit:1']);
  });
});
