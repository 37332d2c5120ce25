import assert from 'node:assert/strict';
import { StoreConflict, type Store } from '../../server/store/store.js';
import { inviteRecord } from '../support/invite-fixtures.js';
import { STORE_SUBJECTS } from '../support/store-subjects.js';

// CreateInvites' store contract: one write for all the invites, and all or nothing.

const subjects = STORE_SUBJECTS;

const expiresAt = () => new Date(Date.now() + 3_600_000);

for (const subject of subjects) {
  describe(`store contract, bulk insert: ${subject.name}`, () => {
    let store: Store;
    let done: () => Promise<void>;
    beforeEach(async () => ({ store, done } = await subject.open()));
    afterEach(async () => done());

    it('writes 1000 invites in one call, each readable', async () => {
      const batch = Array.from({ length: 1000 }, (_, i) => inviteRecord(`bulk-${i}`, expiresAt(), { maxUses: 3 }));
      await store.invites.insertMany(batch);
      assert.equal((await store.invites.list({ host: 'example.com' }, undefined, 2000)).length, 1000);
      assert.equal((await store.invites.find('bulk-999'))?.maxUses, 3);
    });

    it('writes none of a batch when one token is taken, and says so', async () => {
      await store.invites.insert(inviteRecord('taken', expiresAt()));
      const batch = ['a', 'b', 'taken', 'c'].map((t) => inviteRecord(t, expiresAt()));
      await assert.rejects(store.invites.insertMany(batch), StoreConflict);
      const left = await store.invites.list({ host: 'example.com' }, undefined, 10);
      assert.deepEqual(
        left.map((i) => i.token),
        ['taken'],
      );
    });
  });
}
