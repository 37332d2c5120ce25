import assert from 'node:assert/strict';
import { Code } from '@connectrpc/connect';
import { Webhook } from 'standardwebhooks';
import { AuditAction } from '../../gen/invites/v1/audit_pb.js';
import { WebhookDeliveryState } from '../../gen/invites/v1/webhooks_pb.js';
import { secretBox } from '../../server/service/webhook-secret.js';
import { createChangeEvents, inviteRedeemed, inviteRevoked, keyEvent, messageIdOf } from '../../server/service/webhook-events.js';
import { rejectsWith } from '../support/connect-assertions.js';
import { ADMIN_TOKEN, routerHarness } from '../support/router-harness.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const FAST = {
  INVITES_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
  INVITES_WEBHOOK_POLL: '20ms',
  INVITES_WEBHOOK_RETRY_BASE: '50ms',
  INVITES_WEBHOOK_RETRY_MAX_DELAY: '200ms',
  INVITES_WEBHOOK_TIMEOUT: '2s',
};

describe('webhooks (in-memory transport, real HTTP receiver)', function () {
  this.timeout(20_000);
  let receiver: WebhookReceiver;
  const harnesses: Array<ReturnType<typeof routerHarness>> = [];
  const harness = (env: Record<string, string> = FAST, now?: () => Date) => {
    const h = routerHarness({ env, now });
    harnesses.push(h);
    return h;
  };
  beforeEach(async () => {
    receiver = await startWebhookReceiver();
  });
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.services.stop()));
    await receiver.close();
  });

  it("signs each delivery so a Standard Webhooks library verifies it, and sends an invite's events in order", async () => {
    const h = harness();
    const { webhook, secret } = await h.adminClient.createWebhook({ host: 'example.com', url: receiver.url }, h.admin);
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{32}$/);
    const listed = await h.adminClient.listWebhooks({ host: 'example.com' }, h.admin);
    assert.deepEqual(
      listed.webhooks.map((w) => w.id),
      [webhook!.id],
    );
    assert.ok(
      !JSON.stringify(listed.webhooks, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)).includes(secret.slice(6)),
      'the listing never shows the secret',
    );

    const { invite } = await h.inviteClient.createInvite({ host: 'example.com', maxUses: 2 }, h.admin);
    await h.inviteClient.redeemInvite({ token: invite!.token, account: 'alice' }, h.admin);
    await h.inviteClient.redeemInvite({ token: invite!.token, account: 'bob' }, h.admin);
    await receiver.until((r) => r.length >= 4);

    const verifier = new Webhook(secret);
    const bodies = receiver.received.map((r) => verifier.verify(r.body, r.headers) as { type: string; data: Record<string, unknown> });
    assert.deepEqual(
      bodies.map((b) => [b.type, b.data.account ?? null]),
      [
        ['invite.created', null],
        ['invite.redeemed', 'alice'],
        ['invite.redeemed', 'bob'],
        ['invite.used_up', null],
      ],
    );
    assert.equal(bodies[0]!.data.token, invite!.token);
    assert.equal(bodies[0]!.data.host, 'example.com');
    const forged = {
      ...receiver.received[0]!.headers,
      'webhook-signature': receiver.received[0]!.headers['webhook-signature']!.replace(/.{4}$/, 'AAAA'),
    };
    assert.throws(() => verifier.verify(receiver.received[0]!.body, forged), 'a changed signature is refused by the library');
    assert.throws(() =>
      new Webhook(`whsec_${Buffer.alloc(24, 7).toString('base64')}`).verify(receiver.received[0]!.body, receiver.received[0]!.headers),
    );

    const audit = await h.adminClient.listAudit({ host: 'example.com' }, h.admin);
    assert.ok(audit.events.some((e) => e.action === AuditAction.WEBHOOK_CREATED && e.webhookId === webhook!.id));
  });

  it('sends invite.created for each invite of a bulk CreateInvites, each with its own webhook-id', async () => {
    const h = harness();
    const { secret } = await h.adminClient.createWebhook({ host: 'example.com', url: receiver.url }, h.admin);
    const { invites } = await h.inviteClient.createInvites({ count: 5, options: { host: 'example.com', maxUses: 3 } }, h.admin);
    await receiver.until((r) => r.length >= 5);
    const verifier = new Webhook(secret);
    const created = receiver.received.map((r) => verifier.verify(r.body, r.headers) as { type: string; data: { token: string } });
    assert.deepEqual(created.map((b) => b.type).sort(), Array(5).fill('invite.created'));
    assert.deepEqual(created.map((b) => b.data.token).sort(), invites.map((i) => i.token).sort());
    const ids = new Set(receiver.received.map((r) => r.headers['webhook-id']));
    assert.equal(ids.size, 5, 'each invite has its own webhook-id');
  });

  it('retries a failing receiver with the same webhook-id until it answers 2xx, and shows the delivery', async () => {
    const h = harness();
    receiver.setAnswer((n) => (n <= 2 ? 503 : 200));
    const { webhook } = await h.adminClient.createWebhook({ host: 'example.com', url: receiver.url, events: ['invite.revoked'] }, h.admin);
    const { invite } = await h.inviteClient.createInvite({ host: 'example.com' }, h.admin);
    await h.inviteClient.revokeInvite({ token: invite!.token }, h.admin);
    await receiver.until((r) => r.some((x) => x.status === 200));
    assert.equal(receiver.received.length, 3, 'two failures then a success; invite.created was not subscribed to');
    assert.equal(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size, 1, 'one webhook-id on every attempt');

    // The receiver has the request before the server has its answer: wait for the record to say so.
    const listing = () => h.adminClient.listWebhookDeliveries({ host: 'example.com', webhookId: webhook!.id }, h.admin);
    for (let i = 0; i < 100 && (await listing()).deliveries[0]?.state !== WebhookDeliveryState.DELIVERED; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const { deliveries } = await listing();
    assert.equal(deliveries.length, 1);
    assert.equal(deliveries[0]!.state, WebhookDeliveryState.DELIVERED);
    assert.equal(deliveries[0]!.attempts, 3);
    assert.equal(deliveries[0]!.eventType, 'invite.revoked');
    assert.equal(deliveries[0]!.messageId, receiver.received[0]!.headers['webhook-id']);
  });

  it('gives up after INVITES_WEBHOOK_GIVE_UP_AFTER: failed, audited, and the next event of the invite goes', async () => {
    const h = harness({ ...FAST, INVITES_WEBHOOK_GIVE_UP_AFTER: '1s' });
    receiver.setAnswer(() => 500);
    const { webhook } = await h.adminClient.createWebhook({ host: 'example.com', url: receiver.url }, h.admin);
    const { invite } = await h.inviteClient.createInvite({ host: 'example.com' }, h.admin);
    await h.inviteClient.revokeInvite({ token: invite!.token }, h.admin);
    await receiver.until((r) => r.some((x) => JSON.parse(x.body).type === 'invite.revoked'), 8000);
    const types = receiver.received.map((r) => JSON.parse(r.body).type as string);
    const firstRevoked = types.indexOf('invite.revoked');
    assert.ok(
      types.slice(0, firstRevoked).every((t) => t === 'invite.created'),
      'the revocation waited for the creation to finish',
    );
    assert.ok(firstRevoked >= 2, 'the creation was retried before it was given up');
    const failed = await h.adminClient.listWebhookDeliveries({ host: 'example.com', state: WebhookDeliveryState.FAILED }, h.admin);
    assert.equal(failed.deliveries[0]!.eventType, 'invite.created');
    assert.equal(failed.deliveries[0]!.lastStatus, 500);
    const audit = await h.adminClient.listAudit({ host: 'example.com' }, h.admin);
    assert.ok(audit.events.some((e) => e.action === AuditAction.WEBHOOK_DELIVERY_FAILED && e.webhookId === webhook!.id));
  });

  it('sends a confirmed hold as invite.redeemed, and nothing for a released one', async () => {
    const h = harness();
    await h.adminClient.createWebhook({ host: 'example.com', url: receiver.url, events: ['invite.redeemed', 'invite.used_up'] }, h.admin);
    const { invite } = await h.inviteClient.createInvite({ host: 'example.com', maxUses: 1 }, h.admin);
    const token = invite!.token;
    const released = await h.inviteClient.holdInvite({ token, account: 'mallory' }, h.admin);
    await h.inviteClient.releaseInvite({ token, holdId: released.holdId }, h.admin);
    const held = await h.inviteClient.holdInvite({ token, account: 'carol' }, h.admin);
    await h.inviteClient.confirmInvite({ token, holdId: held.holdId }, h.admin);
    await h.inviteClient.confirmInvite({ token, holdId: held.holdId }, h.admin);
    await receiver.until((r) => r.length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(
      receiver.received.map((r) => [JSON.parse(r.body).type, JSON.parse(r.body).data.account ?? null]),
      [
        ['invite.redeemed', 'carol'],
        ['invite.used_up', null],
      ],
      'one redemption (the confirm retry adds none), then used up',
    );
  });

  it('sends invite.expired for an invite that expired with uses left, not for a revoked or used-up one', async () => {
    let t = Date.parse('2026-11-30T10:00:00Z');
    const h = harness(FAST, () => new Date(t));
    await h.adminClient.createWebhook({ host: 'example.com', url: receiver.url, events: ['invite.expired'] }, h.admin);
    const create = async () => (await h.inviteClient.createInvite({ host: 'example.com', ttlSeconds: 60 }, h.admin)).invite!.token;
    const [unused, revoked, redeemed] = [await create(), await create(), await create()];
    await h.inviteClient.revokeInvite({ token: revoked }, h.admin);
    await h.inviteClient.redeemInvite({ token: redeemed, account: 'dave' }, h.admin);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(receiver.received.length, 0, 'nothing expired yet');
    t += 61_000;
    await receiver.until((r) => r.length >= 1);
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(
      receiver.accepted().map((x) => [x.type, x.data.token, x.timestamp]),
      [['invite.expired', unused, '2026-11-30T10:01:00.000Z']],
      'once, for the unused one, at its expiry time',
    );
  });

  it('derives invite.used_up from the redemption even when the server stopped right after it', async () => {
    const h = harness();
    await h.adminClient.createWebhook({ host: 'example.com', url: receiver.url, events: ['invite.used_up'] }, h.admin);
    const { invite } = await h.inviteClient.createInvite({ host: 'example.com', maxUses: 1 }, h.admin);
    const record = (await h.store.invites.find(invite!.token))!;
    // What RedeemInvite does up to the redemption; the server "dies" before it records used up.
    const at = new Date();
    await createChangeEvents({ store: h.store.webhooks, now: () => at }).before(inviteRedeemed(record, 1, 'erin', at, 'admin'));
    assert.ok(await h.store.invites.claimUse({ token: record.token, use: 1, account: 'erin', redeemedAt: at }, record.expiresAt));
    await receiver.until((r) => r.length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      receiver.accepted().map((x) => [x.type, x.data.token]),
      [['invite.used_up', record.token]],
      'used up, once; the redemption itself is not sent to an endpoint that did not ask for it',
    );
  });

  it('sends key events: created, disabled, enabled, rotated, deleted, in order', async () => {
    const h = harness();
    const { secret } = await h.adminClient.createWebhook(
      { host: 'example.com', url: receiver.url, events: ['key.created', 'key.disabled', 'key.enabled', 'key.rotated', 'key.deleted'] },
      h.admin,
    );
    const { key } = await h.adminClient.createKey({ host: 'example.com', name: 'bot' }, h.admin);
    const id = key!.id;
    await h.adminClient.disableKey({ host: 'example.com', id }, h.admin);
    await h.adminClient.enableKey({ host: 'example.com', id }, h.admin);
    await h.adminClient.rotateKey({ host: 'example.com', id }, h.admin);
    await h.adminClient.deleteKey({ host: 'example.com', id }, h.admin);
    await receiver.until((r) => r.length >= 5);
    const verifier = new Webhook(secret);
    const bodies = receiver.received.map((r) => verifier.verify(r.body, r.headers) as { type: string; data: { keyId: string } });
    assert.deepEqual(
      bodies.map((b) => b.type),
      ['key.created', 'key.disabled', 'key.enabled', 'key.rotated', 'key.deleted'],
    );
    assert.ok(bodies.every((b) => b.data.keyId === id));
  });

  it('refuses a loopback receiver unless the server allows private addresses, naming why', async () => {
    const h = harness({ INVITES_WEBHOOK_POLL: '20ms' });
    await rejectsWith(
      h.adminClient.createWebhook({ host: 'example.com', url: receiver.url }, h.admin),
      Code.InvalidArgument,
      /127\.0\.0\.1 is a loopback address.*INVITES_WEBHOOK_ALLOW_PRIVATE_ADDRESSES/,
    );
    await rejectsWith(
      h.adminClient.createWebhook({ host: 'example.com', url: `http://localhost:${receiver.port}/` }, h.admin),
      Code.InvalidArgument,
      /localhost resolves to (127\.0\.0\.1|::1), a loopback address/,
    );
    await rejectsWith(
      h.adminClient.createWebhook({ host: 'example.com', url: 'http://10.1.2.3/' }, h.admin),
      Code.InvalidArgument,
      /private address/,
    );
    await rejectsWith(
      h.adminClient.createWebhook({ host: 'example.com', url: 'http://[fd00::1]/' }, h.admin),
      Code.InvalidArgument,
      /uniqueLocal address/,
    );
    await rejectsWith(
      h.adminClient.createWebhook({ host: 'example.com', url: 'ftp://example.com/' }, h.admin),
      Code.InvalidArgument,
      /http/,
    );
    await rejectsWith(
      h.adminClient.createWebhook({ host: 'example.com', url: 'https://example.com/', events: ['invite.eaten'] }, h.admin),
      Code.InvalidArgument,
      /invite\.eaten/,
    );
    assert.deepEqual((await h.adminClient.listWebhooks({ host: 'example.com' }, h.admin)).webhooks, []);
  });

  it('refuses at delivery a name that resolves to 127.0.0.1 now (DNS rebinding), without calling it', async () => {
    const h = harness({ INVITES_WEBHOOK_POLL: '20ms', INVITES_WEBHOOK_RETRY_BASE: '10s' });
    // Registered while it resolved elsewhere: stored directly, as the registration check passed then.
    await h.store.webhooks.insertEndpoint({
      id: 'rebound00000',
      host: 'example.com',
      url: `http://localhost:${receiver.port}/hook`,
      events: [],
      description: '',
      createdAt: new Date(),
      encryptedSecret: secretBox(ADMIN_TOKEN).seal(`whsec_${Buffer.alloc(24, 1).toString('base64')}`),
    });
    await h.inviteClient.createInvite({ host: 'example.com' }, h.admin);
    let pending;
    for (let i = 0; i < 100; i++) {
      pending = (await h.adminClient.listWebhookDeliveries({ host: 'example.com' }, h.admin)).deliveries[0];
      if (pending?.attempts) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(pending!.state, WebhookDeliveryState.PENDING);
    assert.match(pending!.lastError, /localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
    assert.equal(receiver.received.length, 0, 'the receiver was never called');
  });

  it('resolves intents a crash left unconfirmed: sent when the change was made, dropped when not', async () => {
    let t = Date.now();
    const h = harness(FAST, () => new Date(t));
    const events = ['invite.revoked', 'key.rotated'];
    await h.adminClient.createWebhook({ host: 'example.com', url: receiver.url, events }, h.admin);
    const made = (await h.inviteClient.createInvite({ host: 'example.com' }, h.admin)).invite!;
    const notMade = (await h.inviteClient.createInvite({ host: 'example.com' }, h.admin)).invite!;
    const { key } = await h.adminClient.createKey({ host: 'example.com' }, h.admin);
    const writer = createChangeEvents({ store: h.store.webhooks, now: () => new Date(t) });
    // The server "died" after writing each intent, before confirming it; some changes reached the database.
    for (const invite of [made, notMade]) {
      const record = (await h.store.invites.find(invite.token))!;
      await writer.before(inviteRevoked(record, new Date(t), 'admin'));
      if (invite === made) await h.store.invites.revoke(record, new Date(t));
    }
    const rotatedAt = new Date(t);
    await writer.before(keyEvent('key.rotated', { host: 'example.com', id: key!.id }, rotatedAt, 'admin'));
    await h.store.keys.replaceSecret('example.com', key!.id, new Uint8Array(32), rotatedAt);

    // A revocation stays visible, so it is looked up and sent at once; a key's state may flip back, so it waits.
    await receiver.until((r) => r.length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      receiver.received.map((r) => JSON.parse(r.body).type),
      ['invite.revoked'],
    );
    const waiting = await h.adminClient.listWebhookDeliveries({ host: 'example.com', state: WebhookDeliveryState.PENDING }, h.admin);
    assert.equal(waiting.deliveries.length, 2, 'the unresolved ones show as pending');

    t += 61_000;
    await receiver.until((r) => r.length >= 2);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      receiver.received.map((r) => [JSON.parse(r.body).type, r.headers['webhook-id']]),
      [
        ['invite.revoked', messageIdOf(`invite.revoked:${made.token}`)],
        ['key.rotated', messageIdOf(`key.rotated:${key!.id}:${rotatedAt.getTime()}`)],
      ],
      'the revocation never made was dropped',
    );
    const left = await h.adminClient.listWebhookDeliveries({ host: 'example.com', state: WebhookDeliveryState.PENDING }, h.admin);
    assert.equal(left.deliveries.length, 0);
  });
});
