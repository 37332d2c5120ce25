import assert from 'node:assert/strict';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { MongoClient } from 'mongodb';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import { defaultEmbeddedDbBinary } from '../../server/app/package-root.js';
import { startEmbeddedDb, type EmbeddedDb } from '../../server/embedded/embedded-db.js';
import { request } from '../support/http-request.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** Polls `check` every 100 ms until it returns true, for at most `ms`. */
async function eventually(ms: number, check: () => Promise<boolean> | boolean): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A server on an engine of its own, which the test may stop or freeze, and a key of example.com. */
interface OwnEngine {
  name: string;
  dir: string;
  engine: EmbeddedDb;
  /** Between the server and the engine, when asked for. */
  proxy: TcpProxy | undefined;
  /** Straight to the engine, for checking what is stored. */
  client: MongoClient;
  server: TestServer;
  key: string;
}

async function serverOnOwnEngine(name: string, { behindProxy = false } = {}): Promise<OwnEngine> {
  const dir = await mkdtemp(join(tmpdir(), `invites-${name}-`));
  const engine = await startEmbeddedDb({ binary: defaultEmbeddedDbBinary(), dataDir: dir });
  const proxy = behindProxy ? await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(engine.uri).port) }) : undefined;
  const client = await MongoClient.connect(engine.uri, { serverSelectionTimeoutMS: 20_000 });
  const uri = proxy ? `mongodb://127.0.0.1:${proxy.port}/?directConnection=true` : engine.uri;
  const server = await startTestServer({}, { database: { uri, name, client, drop: async () => {} } });
  const admin = createClient(KeyAdmin, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }));
  const key = (await admin.createKey({ host: 'example.com' }, { headers: { authorization: `Bearer ${server.adminToken}` } })).fullKey;
  return { name, dir, engine, proxy, client, server, key };
}

async function stopOwnEngine(own: OwnEngine | undefined) {
  if (!own) return;
  await own.server.stop();
  await own.proxy?.close();
  await own.client.close();
  await own.engine.stop();
  await rm(own.dir, { recursive: true, force: true });
}

describe('database outage: fail fast with 503/UNAVAILABLE, recover without a restart', function () {
  // This suite runs its own engine, since it stops and restarts it.
  let own: OwnEngine;
  before(async () => (own = await serverOnOwnEngine('outage')));
  after(() => stopOwnEngine(own));

  const outageTitle =
    'answers within 1 s with 503 + Retry-After while the database is down, ' + 'reports not ready, and works again once it is back';
  it(outageTitle, async () => {
    const { server, key, client, name, dir } = own;
    const before = await request(server.url, { path: `/invites_api?key=${key}` });
    assert.equal(before.status, 201);
    const earlier = String(before.headers.location).split('?')[1];
    assert.equal((await request(server.url, { path: '/readyz' })).status, 200);

    const port = Number(new URL(own.engine.uri).port);
    await own.engine.stop();

    const rpc = createClient(InviteService, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }));
    const admin = createClient(KeyAdmin, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }));
    const timings: number[] = [];
    const timed = async <T>(call: () => Promise<T>) => {
      const t = performance.now();
      try {
        return await call();
      } finally {
        timings.push(performance.now() - t);
      }
    };
    // The first requests find the key in the cache and fail at the insert; after 1 s the key
    // lookup itself needs the database. Both must fail fast and the same way.
    for (const wait of [0, 1100]) {
      await new Promise((r) => setTimeout(r, wait));
      const res = await timed(() => request(server.url, { path: `/invites_api?key=${key}` }));
      assert.equal(res.status, 503, res.body);
      assert.equal(res.headers['retry-after'], '2');
      assert.deepEqual(JSON.parse(res.body), {
        error: 'unavailable',
        message: 'the database is not reachable right now: try again in a few seconds',
      });
      const err = await timed(() => rpc.createInvite({}, { headers: { authorization: `Bearer ${key}` } }).catch((e) => e));
      assert.ok(err instanceof ConnectError);
      assert.equal(err.code, Code.Unavailable);
      assert.equal(err.metadata.get('retry-after'), '2');
      const listErr = await timed(() =>
        admin.listKeys({ host: 'example.com' }, { headers: { authorization: `Bearer ${server.adminToken}` } }).catch((e) => e),
      );
      assert.equal((listErr as ConnectError).code, Code.Unavailable);
      const page = await timed(() => request(server.url, { path: `/invite?${earlier}` }));
      assert.equal(page.status, 503, 'the landing page says the same as GetInvite');
      assert.equal(page.headers['retry-after'], '2');
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.match(page.body, /try again in a moment/);
    }
    assert.ok(Math.max(...timings) < 1000, `every request failed within 1 s: ${timings.map((t) => t.toFixed(0)).join(', ')} ms`);
    assert.ok(
      await eventually(5000, async () => (await request(server.url, { path: '/readyz' })).status === 503),
      '/readyz says not ready',
    );
    assert.ok(
      !server.logs.some((l) => /"level":50/.test(l) && /unexpected error/.test(l)),
      'an outage is not logged as an unexpected error',
    );

    own.engine = await startEmbeddedDb({ binary: defaultEmbeddedDbBinary(), dataDir: dir, port });
    const recovered = await eventually(20_000, async () => (await request(server.url, { path: `/invites_api?key=${key}` })).status === 201);
    assert.ok(recovered, 'creates work again without a restart');
    assert.ok(
      await eventually(5000, async () => (await request(server.url, { path: '/readyz' })).status === 200),
      'and /readyz says ready',
    );
    const kept = await client
      .db(name)
      .collection('invites')
      .findOne({ _id: earlier as never });
    assert.ok(kept, 'the invite made before the outage is still there');
  });
});

describe('a database that stops answering without closing its connections', function () {
  // Its own engine behind a proxy that can freeze: bytes stop flowing, no connection is reset.
  let own: OwnEngine;
  before(async () => (own = await serverOnOwnEngine('frozen', { behindProxy: true })));
  after(() => stopOwnEngine(own));

  it('answers the creates caught in it with 503/UNAVAILABLE, never 201 for an invite it could not confirm, and recovers', async () => {
    const { server, key, client, name } = own;
    const proxy = own.proxy!;
    const created: string[] = [];
    const create = () => request(server.url, { path: `/invites_api?key=${key}` });
    const tokenOf = (location: unknown) => String(location).split('?')[1]!;
    const first = await create();
    assert.equal(first.status, 201);
    created.push(tokenOf(first.headers.location));

    proxy.freeze();
    const rpc = createClient(InviteService, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }));
    const t = performance.now();
    const [a, b, c] = await Promise.all([
      create(),
      create(),
      rpc.createInvite({}, { headers: { authorization: `Bearer ${key}` } }).catch((e: unknown) => e),
    ]);
    const took = performance.now() - t;
    for (const res of [a, b]) {
      if (res.status === 201) created.push(tokenOf(res.headers.location));
      assert.equal(res.status, 503, `a create whose write was never confirmed must not say 201 (${res.status} ${res.body})`);
      assert.equal(res.headers['retry-after'], '2');
    }
    assert.ok(c instanceof ConnectError, `CreateInvite must fail, not return ${JSON.stringify(c)}`);
    assert.equal(c.code, Code.Unavailable);
    assert.ok(took < 8000, `answered within 8 s: the driver gives up on the database within ~3 s (took ${took.toFixed(0)} ms)`);
    assert.ok(!server.logs.some((l) => /"level":50/.test(l) && /unexpected error/.test(l)), 'not logged as an unexpected error');

    proxy.thaw();
    const recovered = await eventually(20_000, async () => {
      const res = await create();
      if (res.status === 201) created.push(tokenOf(res.headers.location));
      return res.status === 201;
    });
    assert.ok(recovered, 'creates work again once the database answers');
    for (const token of created) {
      assert.ok(
        await client
          .db(name)
          .collection('invites')
          .findOne({ _id: token as never }),
        `invite ${token} answered with 201 is stored`,
      );
    }
  });
});
