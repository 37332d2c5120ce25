import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { closedPort, runInvitesctl } from '../cli/cli-harness.js';
import { httpCreateLoop } from '../support/load-loop.js';
import { spawnServer, type ServerProcess } from '../support/server-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const ADMIN_TOKEN = 'admin-token-for-webhook-tests';
/** Fast retries, so "down for a while" takes seconds; loopback receivers allowed. */
const WEBHOOK_ENV = {
  INVITES_ADMIN_TOKEN: ADMIN_TOKEN,
  INVITES_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
  INVITES_WEBHOOK_POLL: '50ms',
  INVITES_WEBHOOK_RETRY_BASE: '100ms',
  INVITES_WEBHOOK_RETRY_MAX_DELAY: '400ms',
  INVITES_WEBHOOK_TIMEOUT: '2s',
};

async function rpc<T = Record<string, unknown>>(port: number, method: string, body: unknown): Promise<T> {
  const service = /Webhook|Key|Audit/.test(method) ? 'KeyAdmin' : 'InviteService';
  const res = await fetch(`http://127.0.0.1:${port}/invites.v1.${service}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  assert.equal(res.status, 200, `${method}: ${JSON.stringify(json)}`);
  return json;
}

const createInvite = async (port: number, maxUses = 1) =>
  (await rpc<{ invite: { token: string } }>(port, 'CreateInvite', { host: 'localhost', maxUses })).invite.token;

interface DeliveryJson {
  messageId: string;
  type: string;
  state: string;
  attempts: number;
  lastError: string | null;
}

describe('webhooks through the real server (separate process, real receiver)', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let dataDir: string;
  let cwd: string;
  const servers: ServerProcess[] = [];
  const receivers: WebhookReceiver[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const server = await spawnServer({ MONGODB_URI: db.uri, MONGODB_DATABASE: db.name, INVITES_DATA_DIR: dataDir, ...WEBHOOK_ENV, ...env });
    servers.push(server);
    return server;
  };
  const receiver = async (options?: Parameters<typeof startWebhookReceiver>[0]) => {
    const r = await startWebhookReceiver(options);
    receivers.push(r);
    return r;
  };
  const cli = async (port: number, ...args: string[]) => {
    const result = await runInvitesctl(args, { cwd, env: { INVITES_URL: `http://127.0.0.1:${port}`, INVITES_ADMIN_TOKEN: ADMIN_TOKEN } });
    assert.equal(result.code, 0, result.stderr);
    return result;
  };
  const deliveries = async (port: number) =>
    (JSON.parse((await cli(port, 'hooks:deliveries', 'localhost', '--json')).stdout) as { deliveries: DeliveryJson[] }).deliveries;
  const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeEach(async () => {
    db = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'invites-webhooks-'));
    cwd = await mkdtemp(join(tmpdir(), 'invites-webhooks-cwd-'));
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) s.child.kill('SIGKILL');
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(cwd, { recursive: true, force: true });
  });

  it('hooks:create prints the secret; deliveries verify with standardwebhooks; hooks:deliveries, metrics, audit show them', async () => {
    const server = await start();
    const r = await receiver();
    const created = JSON.parse((await cli(server.port, 'hooks:create', 'localhost', r.url, '--json')).stdout) as {
      id: string;
      secret: string;
    };
    assert.match(created.secret, /^whsec_/);
    const listed = (await cli(server.port, 'hooks:list', 'localhost', '--json')).stdout;
    assert.ok(listed.includes(created.id) && !listed.includes(created.secret.slice(6)), 'listed without its secret');

    const token = await createInvite(server.port);
    await rpc(server.port, 'RedeemInvite', { token, account: 'alice' });
    await r.until((got) => got.length >= 3);
    const verifier = new Webhook(created.secret);
    const types = r.received.map((x) => (verifier.verify(x.body, x.headers) as { type: string }).type);
    assert.deepEqual(types, ['invite.created', 'invite.redeemed', 'invite.used_up']);

    await until('three delivered', async () => (await deliveries(server.port)).filter((d) => d.state === 'delivered').length === 3);
    const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    assert.match(metrics, /invites_webhook_delivered_total\{host="localhost"\} 3/);
    assert.match(metrics, /invites_webhook_pending_oldest_age_seconds 0/);
    const audit = (await cli(server.port, 'audit:list', '--host', 'localhost', '--json')).stdout;
    assert.match(audit, new RegExp(`"action": "webhook_created"[^}]*"webhookId": "${created.id}"`));
    assert.ok(!server.output().includes(created.secret.slice(6)), 'the secret is not in the server log');

    await cli(server.port, 'hooks:delete', 'localhost', created.id);
    assert.equal(JSON.parse((await cli(server.port, 'hooks:list', 'localhost', '--json')).stdout).webhooks.length, 0);
  });

  it('refuses a loopback receiver clearly when private addresses are not allowed (the default)', async () => {
    const server = await start({ INVITES_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'false' });
    const result = await runInvitesctl(['hooks:create', 'localhost', 'http://localhost:9/hook'], {
      cwd,
      env: { INVITES_URL: `http://127.0.0.1:${server.port}`, INVITES_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /localhost resolves to (127\.0\.0\.1|::1), a loopback address.*INVITES_WEBHOOK_ALLOW_PRIVATE_ADDRESSES/s);
    const res = await fetch(`http://127.0.0.1:${server.port}/invites.v1.KeyAdmin/CreateWebhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ host: 'localhost', url: 'http://127.0.0.1:9/hook' }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { code: string; message: string };
    assert.equal(body.code, 'invalid_argument');
    assert.match(body.message, /127\.0\.0\.1 is a loopback address/);
  });

  it('a receiver down for a while gets the event when it comes back, under the same webhook-id', async () => {
    const server = await start();
    const port = await closedPort();
    const { secret } = await rpc<{ secret: string }>(server.port, 'CreateWebhook', {
      host: 'localhost',
      url: `http://127.0.0.1:${port}/hook`,
      events: ['invite.created'],
    });
    const token = await createInvite(server.port);
    let pending: DeliveryJson | undefined;
    await until('three failed attempts', async () => {
      pending = (await deliveries(server.port))[0];
      return (pending?.attempts ?? 0) >= 3;
    });
    assert.equal(pending!.state, 'pending');
    assert.match(pending!.lastError!, /ECONNREFUSED/);
    const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    assert.match(metrics, /^invites_webhook_pending 1$/m);
    const age = Number(/^invites_webhook_pending_oldest_age_seconds (\S+)$/m.exec(metrics)?.[1]);
    assert.ok(age > 0.2, `the oldest pending delivery's age shows (${age} s)`);

    const r = await receiver({ port });
    await r.until((got) => got.length >= 1);
    assert.equal(r.received[0]!.headers['webhook-id'], pending!.messageId, 'the id every failed attempt had');
    assert.equal(
      (new Webhook(secret).verify(r.received[0]!.body, r.received[0]!.headers) as { data: { token: string } }).data.token,
      token,
    );
  });

  it('kill -9 after the change was acknowledged, before it was delivered: delivered after a restart, in order', async () => {
    const r = await receiver({ answer: () => 503 });
    let server = await start();
    await rpc(server.port, 'CreateWebhook', { host: 'localhost', url: r.url });
    const token = await createInvite(server.port);
    await rpc(server.port, 'RevokeInvite', { token });
    server.child.kill('SIGKILL');
    await server.exited;
    const idsBefore = new Set(r.received.map((x) => x.headers['webhook-id']));

    r.setAnswer(() => 200);
    server = await start();
    await r.until((got) => got.filter((x) => x.status === 200).length >= 2);
    const accepted = r.accepted();
    assert.deepEqual(
      accepted.map((x) => [x.type, x.data.token]),
      [
        ['invite.created', token],
        ['invite.revoked', token],
      ],
    );
    for (const id of idsBefore)
      assert.ok(
        accepted.some((x) => x.id === id),
        'a retry after the restart keeps the webhook-id',
      );
  });

  it('kill -9 during a burst of creates: every invite a client was told about gets its event after a restart', async () => {
    const r = await receiver({ answer: () => 503 });
    let server = await start();
    await rpc(server.port, 'CreateWebhook', { host: 'localhost', url: r.url, events: ['invite.created'] });
    const { fullKey } = await rpc<{ fullKey: string }>(server.port, 'CreateKey', { host: 'localhost', rateLimitPerMinute: 100000 });
    const loop = httpCreateLoop(server.port, fullKey, 16);
    while (loop.outcomes.filter((o) => o.ok).length < 200) await new Promise((resolve) => setTimeout(resolve, 5));
    server.child.kill('SIGKILL');
    await server.exited;
    await loop.done;
    const acknowledged = loop.outcomes.flatMap((o) => (o.ok ? [o.token] : []));

    r.setAnswer(() => 200);
    server = await start();
    const delivered = () => new Set(r.accepted().map((x) => String(x.data.token)));
    await r.until(() => acknowledged.every((t) => delivered().has(t)), 60_000);
    const ids = r.accepted().map((x) => x.id);
    assert.equal(new Set(ids).size, ids.length, 'each event accepted once');
  });

  it('two server instances on one database deliver each event once between them', async () => {
    const r = await receiver();
    const a = await start();
    const b = await start();
    await rpc(a.port, 'CreateWebhook', { host: 'localhost', url: r.url, events: ['invite.created'] });
    // An endpoint registered on one instance is known to the others within a second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const tokens = [];
    for (let i = 0; i < 10; i++) tokens.push(await createInvite(i % 2 ? a.port : b.port));
    await r.until((got) => got.length >= 10);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(r.received.length, 10, 'no event twice');
    assert.deepEqual(new Set(r.accepted().map((x) => x.data.token)), new Set(tokens));
  });
});
