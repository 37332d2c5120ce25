import assert from 'node:assert/strict';
import type { DeliveryRecord } from '../../server/domain/webhook.js';
import { openMongoStore } from '../../server/store/mongo-store.js';
import { StoreConflict, type Store } from '../../server/store/store.js';
import { routerHarness } from '../support/router-harness.js';
import { STORE_SUBJECTS } from '../support/store-subjects.js';
import { createTestDatabase } from '../support/test-database.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const delivery = (id: string, at: number, change: Partial<DeliveryRecord> = {}): DeliveryRecord => ({
  id,
  eventId: id.split('|')[0]!,
  messageId: `msg_${id}`,
  endpointId: 'ep0000000001',
  host: 'example.com',
  type: 'invite.created',
  at: new Date(at),
  rank: 0,
  subject: `invite:${id}`,
  data: { token: id },
  state: 'pending',
  recordedAt: new Date(at),
  attempts: 0,
  nextAttemptAt: new Date(at),
  ...change,
});

for (const subject of STORE_SUBJECTS) {
  describe(`webhook store contract: ${subject.name}`, function () {
    let store: Store;
    let done: () => Promise<void>;
    beforeEach(async () => ({ store, done } = await subject.open()));
    afterEach(async () => done());

    it('claims each attempt once among 20 concurrent claimants', async () => {
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.webhooks.claimAttempt({ id: 'd|e#1', instanceId: `i${i}`, at: new Date(), leaseUntil: new Date(Date.now() + 1000) }),
        ),
      );
      assert.equal(claims.filter(Boolean).length, 1);
      assert.ok(await store.webhooks.findAttempt('d|e#1'));
      assert.equal(await store.webhooks.findAttempt('d|e#2'), undefined);
    });

    it('keeps the first record of a delivery written twice (a retried change), and lists the unfinished in order', async () => {
      await store.webhooks.addDeliveries([delivery('b', 2000), delivery('a', 2000), delivery('c', 1000, { rank: 3 })]);
      await store.webhooks.addDeliveries([delivery('a', 9000, { data: { token: 'second' } }), delivery('d', 500, { state: 'delivered' })]);
      const unfinished = await store.webhooks.listUnfinished(10);
      assert.deepEqual(
        unfinished.map((d) => d.id),
        ['c', 'a', 'b'],
      );
      assert.equal(unfinished[1]!.data.token, 'a');
      assert.deepEqual(
        (await store.webhooks.listUnfinished(2)).map((d) => d.id),
        ['c', 'a'],
      );
    });

    it('moves only deliveries in the given state, finishes them into the history, lists both newest first', async () => {
      await store.webhooks.addDeliveries([
        delivery('x', 1000, { state: 'intent' }),
        delivery('y', 2000),
        delivery('z', 3000, { host: 'other.org' }),
      ]);
      await store.webhooks.moveState(['x', 'y'], 'intent', 'pending');
      await store.webhooks.moveState(['y'], 'intent', 'void');
      const [, y] = await store.webhooks.listUnfinished(10);
      await store.webhooks.finishDelivery({ ...y!, state: 'delivered', attempts: 1, finishedAt: new Date(2500) });
      assert.deepEqual(
        (await store.webhooks.listUnfinished(10)).map((d) => d.id),
        ['x', 'z'],
        'a finished delivery leaves the outbox',
      );
      const all = await store.webhooks.listDeliveries({ host: 'example.com', limit: 10 });
      assert.deepEqual(
        all.map((d) => [d.id, d.state]),
        [
          ['y', 'delivered'],
          ['x', 'pending'],
        ],
      );
      const pending = await store.webhooks.listDeliveries({ host: 'example.com', states: ['pending'], limit: 10 });
      assert.deepEqual(
        pending.map((d) => d.id),
        ['x'],
      );
      await store.webhooks.prune(new Date(3000));
      assert.deepEqual(
        (await store.webhooks.listDeliveries({ host: 'example.com', limit: 10 })).map((d) => d.id),
        ['x'],
        'a finished delivery older than the retention is removed, an unfinished one kept',
      );
    });

    it('removes a voided intent from the outbox, and a void delivery leaves no history', async () => {
      await store.webhooks.addDeliveries([delivery('v', 1000, { state: 'intent' }), delivery('w', 2000, { state: 'pending' })]);
      await store.webhooks.moveState(['v', 'w'], 'intent', 'void');
      const [w] = await store.webhooks.listUnfinished(10);
      assert.equal(w!.id, 'w', 'only the intent was voided');
      await store.webhooks.finishDelivery({ ...w!, state: 'void', finishedAt: new Date(2000) });
      assert.deepEqual(await store.webhooks.listUnfinished(10), []);
      assert.deepEqual(await store.webhooks.listDeliveries({ host: 'example.com', limit: 10 }), []);
    });

    it('stores endpoints by host, refuses a taken id, and deletes only on the right host', async () => {
      const endpoint = {
        id: 'ep1',
        host: 'example.com',
        url: 'https://h.example/',
        events: [],
        description: '',
        createdAt: new Date(1000),
        encryptedSecret: 'v1:x',
      };
      await store.webhooks.insertEndpoint(endpoint);
      await store.webhooks.insertEndpoint({ ...endpoint, id: 'ep2', createdAt: new Date(2000) });
      await assert.rejects(store.webhooks.insertEndpoint(endpoint), StoreConflict);
      assert.deepEqual(
        (await store.webhooks.listEndpoints('example.com')).map((e) => e.id),
        ['ep2', 'ep1'],
      );
      assert.equal(await store.webhooks.deleteEndpoint('other.org', 'ep1'), false);
      assert.equal(await store.webhooks.deleteEndpoint('example.com', 'ep1'), true);
      assert.deepEqual(
        (await store.webhooks.listEndpoints()).map((e) => e.id),
        ['ep2'],
      );
    });
  });
}

describe('webhooks: two dispatchers on one real database', function () {
  this.timeout(60_000);
  it('deliver each of 30 events once between them, in order per invite', async () => {
    const db = await createTestDatabase();
    const store = await openMongoStore({ uri: db.uri, database: db.name });
    const receiver = await startWebhookReceiver();
    const env = { INVITES_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true', INVITES_WEBHOOK_POLL: '10ms' };
    const a = routerHarness({ store, env });
    const b = routerHarness({ store, env });
    try {
      await a.adminClient.createWebhook({ host: 'example.com', url: receiver.url }, a.admin);
      const tokens: string[] = [];
      for (let i = 0; i < 10; i++) {
        const via = i % 2 ? a : b;
        const { invite } = await via.inviteClient.createInvite({ host: 'example.com', maxUses: 1 }, via.admin);
        tokens.push(invite!.token);
        await via.inviteClient.redeemInvite({ token: invite!.token, account: `user${i}` }, via.admin);
      }
      await receiver.until((r) => r.length >= 30, 30_000);
      await new Promise((r) => setTimeout(r, 500));
      const ids = receiver.received.map((r) => r.headers['webhook-id']);
      assert.equal(ids.length, 30, 'created, redeemed and used up for each of 10 invites, nothing twice');
      assert.equal(new Set(ids).size, 30);
      for (const token of tokens) {
        const types = receiver
          .accepted()
          .filter((x) => x.data.token === token)
          .map((x) => x.type);
        assert.deepEqual(types, ['invite.created', 'invite.redeemed', 'invite.used_up'], token);
      }
    } finally {
      await Promise.all([a.services.stop(), b.services.stop()]);
      await receiver.close();
      await store.close();
      await db.drop();
    }
  });
});
