import assert from 'node:assert/strict';
import type { Document } from 'mongodb';
import type { InviteRecord } from '../../server/domain/invite.js';
import { openMongoStore } from '../../server/store/mongo-store.js';
import type { Store } from '../../server/store/store.js';
import { insertLegacyInvite, inviteRecord } from '../support/invite-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

// Listings and the expiry sweep read the invite index by `_id` range, sorted and limited, so
// their cost follows the page, not the number of invites stored. Speed is measured by the bench
// (bench/data-growth.ts); here the engine's own plan says how each read is served.

const HOUR = 3_600_000;

async function withObservedStore(work: (it: { db: TestDatabase; store: Store; finds: Document[] }) => Promise<void>) {
  const db = await createTestDatabase();
  const finds: Document[] = [];
  const store = await openMongoStore({
    uri: db.uri,
    database: db.name,
    commandObserver: {
      started(event) {
        // The range reads (sorted); reads by known _ids (findByIds) are not what this is about.
        if (event.commandName === 'find' && ['invites', 'audit'].includes(event.command.find) && event.command.sort)
          finds.push(event.command);
      },
    },
  });
  try {
    await work({ db, store, finds });
  } finally {
    await store.close();
    await db.drop();
  }
}

/** FerretDB says whether it pushed the sort and limit down to SQLite; MongoDB counts what it examined. */
async function assertBoundedRead(db: TestDatabase, find: Document): Promise<void> {
  const { find: collection, filter, sort, limit } = find;
  const plan = await db.client.db(db.name).command({ explain: { find: collection, filter, sort, limit }, verbosity: 'executionStats' });
  const text = JSON.stringify(plan);
  assert.ok(limit > 0, `every read of the index has a limit: ${JSON.stringify(find)}`);
  if (plan.serverInfo?.ferretdbVersion !== undefined) {
    assert.deepEqual([plan.filterPushdown, plan.sortPushdown, plan.limitPushdown], [true, true, true], text);
    assert.match(text, /USING INDEX \S+_ferretdb_id_text/, text);
  } else {
    assert.doesNotMatch(text, /COLLSCAN/, text);
    assert.ok(plan.executionStats.totalDocsExamined <= limit, text);
  }
}

describe('mongo store: listings and the sweep read a bounded number of documents', () => {
  const t0 = Date.parse('2026-05-01T00:00:00Z');
  const made = (n: number, over: Partial<InviteRecord> = {}): InviteRecord => ({
    ...inviteRecord(`tok-${String(n).padStart(4, '0')}`, new Date(Date.now() + HOUR), { createdAt: new Date(t0 + n * 1000) }),
    ...over,
  });

  it('serves every first page and sweep batch from an index, sorted and limited there', async () => {
    await withObservedStore(async ({ db, store, finds }) => {
      for (let n = 0; n < 300; n++) await store.invites.insert(made(n, n % 3 === 0 ? { inviter: 'alice' } : {}));
      for (let n = 300; n < 320; n++) await store.invites.insert(made(n, { expiresAt: new Date(t0 + HOUR) }));
      finds.length = 0;

      const byHost = await store.invites.list({ host: 'example.com' }, undefined, 51);
      assert.deepEqual(byHost[0]?.token, 'tok-0319', 'newest first');
      await store.invites.list({ keyId: 'AAAAAAAAAAAA' }, undefined, 51);
      const byInviter = await store.invites.list({ host: 'example.com', inviter: 'alice' }, undefined, 51);
      assert.ok(byInviter.every((i) => i.inviter === 'alice'));
      await store.invites.listCreated({ hosts: ['example.com', 'other.org'], since: new Date(t0), limit: 101 });
      assert.equal(await store.invites.deleteExpired(new Date(t0 + 2 * HOUR)), 20);
      for (let n = 0; n < 150; n++) {
        await store.audit.insert({
          at: new Date(t0 + n * 1000),
          action: 'invite_revoked',
          actor: 'admin',
          host: n % 2 ? 'example.com' : 'other.org',
          keyId: undefined,
          inviteToken: undefined,
        });
      }
      const trail = await store.audit.list({ hosts: ['example.com', 'other.org'], since: new Date(t0), limit: 101 });
      assert.deepEqual(
        trail.slice(0, 2).map((e) => [e.host, e.at.getTime()]),
        [
          ['example.com', t0 + 149_000],
          ['other.org', t0 + 148_000],
        ],
      );

      assert.ok(finds.length >= 7, `${finds.length} reads of the index`);
      for (const find of finds) await assertBoundedRead(db, find);
    });
  });

  it('lists invites stored before the index existed, once the store has started', async () => {
    const db = await createTestDatabase();
    try {
      await insertLegacyInvite(db, 'legacy-token', new Date(Date.now() + HOUR));
      const store = await openMongoStore({ uri: db.uri, database: db.name });
      try {
        assert.deepEqual(
          (await store.invites.list({ host: 'example.com' }, undefined, 10)).map((i) => i.token),
          ['legacy-token'],
        );
      } finally {
        await store.close();
      }
    } finally {
      await db.drop();
    }
  });

  it('lists audit events recorded before their ids were time-ordered, once the store has started', async () => {
    const db = await createTestDatabase();
    try {
      const events = db.client.db(db.name).collection('audit');
      await events.insertMany([
        { at: new Date(t0 + 2000), action: 'key_created', actor: 'admin', host: 'example.com', keyId: 'K1' },
        { at: new Date(t0 + 1000), action: 'key_created', actor: 'admin', host: 'example.com', keyId: 'K0' },
      ]);
      const store = await openMongoStore({ uri: db.uri, database: db.name });
      try {
        await store.audit.insert({
          at: new Date(t0 + 3000),
          action: 'key_deleted',
          actor: 'admin',
          host: 'example.com',
          keyId: 'K1',
          inviteToken: undefined,
        });
        const listed = await store.audit.list({ hosts: ['example.com'], since: undefined, limit: 10 });
        assert.deepEqual(
          listed.map((e) => [e.action, e.keyId]),
          [
            ['key_deleted', 'K1'],
            ['key_created', 'K1'],
            ['key_created', 'K0'],
          ],
        );
      } finally {
        await store.close();
      }
    } finally {
      await db.drop();
    }
  });

  it('lists nothing of an insert that failed on a taken token', async () => {
    await withObservedStore(async ({ store }) => {
      await store.invites.insert(made(1));
      await assert.rejects(store.invites.insert(made(1, { host: 'other.org', createdAt: new Date(t0 + 5000) })), /taken/);
      assert.deepEqual(await store.invites.list({ host: 'other.org' }, undefined, 10), []);
      assert.deepEqual(
        (await store.invites.list({ host: 'example.com' }, undefined, 10)).map((i) => i.createdAt.getTime()),
        [t0 + 1000],
      );
    });
  });

  it('keeps an invite whose expiry was moved later, and sweeps it once that has passed', async () => {
    await withObservedStore(async ({ db, store }) => {
      const invite = made(1, { expiresAt: new Date(t0 + HOUR) });
      await store.invites.insert(invite);
      await db.client
        .db(db.name)
        .collection<{ _id: string }>('invites')
        .updateOne({ _id: invite.token }, { $set: { expiresAt: new Date(t0 + 3 * HOUR) } });
      assert.equal(await store.invites.deleteExpired(new Date(t0 + 2 * HOUR)), 0);
      assert.equal((await store.invites.find(invite.token))?.token, invite.token);
      assert.equal(await store.invites.deleteExpired(new Date(t0 + 4 * HOUR)), 1);
      assert.equal(await store.invites.find(invite.token), undefined);
      const left = await db.client
        .db(db.name)
        .collection('invites')
        .countDocuments({ _id: { $regex: invite.token } } as Document);
      assert.equal(left, 0, 'its index entries are gone with it');
    });
  });
});
