import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Health, HealthCheckResponse_ServingStatus as Status } from '../../gen/health/v1/health_pb.js';
import { defaultEmbeddedDbBinary, packageRoot } from '../../server/app/package-root.js';
import { startEmbeddedDb, type EmbeddedDb } from '../../server/embedded/embedded-db.js';
import { request } from '../support/http-request.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const SERVICES = ['', 'invites.v1.InviteService', 'invites.v1.KeyAdmin'];

async function packageVersion(): Promise<string> {
  return (JSON.parse(await readFile(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** Reads a Watch stream into `seen` as it arrives. */
function watch(url: string, service: string) {
  const abort = new AbortController();
  const seen: Status[] = [];
  const client = createClient(Health, createGrpcTransport({ baseUrl: url }));
  const done = (async () => {
    for await (const res of client.watch({ service }, { signal: abort.signal })) seen.push(res.status);
  })().catch((err: unknown) => {
    if (!(err instanceof ConnectError && err.code === Code.Canceled)) throw err;
  });
  return { seen, done, cancel: () => abort.abort() };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('health and readiness', function () {
  describe('on a healthy server', () => {
    let server: TestServer;
    before(async () => (server = await startTestServer()));
    after(async () => server.stop());

    it('GET /healthz: 200 with the version, and no more than GET or HEAD', async () => {
      const res = await request(server.url, { path: '/healthz' });
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      const body = JSON.parse(res.body);
      assert.equal(body.status, 'ok');
      assert.equal(body.version, await packageVersion());
      assert.equal((await request(server.url, { path: '/healthz', method: 'DELETE' })).status, 405);
    });

    it('GET /readyz: 200 once the database answers and has its indexes', async () => {
      const res = await request(server.url, { path: '/readyz' });
      assert.equal(res.status, 200);
      const body = JSON.parse(res.body);
      assert.equal(body.status, 'ready');
      assert.equal(body.database.reachable, true);
      assert.equal(typeof body.database.roundTripMs, 'number');
      assert.deepEqual(body.indexes, { ready: true, missing: [] });
    });

    it('grpc.health.v1 Check: SERVING for the server and each service, NOT_FOUND for others', async () => {
      const client = createClient(Health, createGrpcTransport({ baseUrl: server.url }));
      for (const service of SERVICES) assert.equal((await client.check({ service })).status, Status.SERVING, `service "${service}"`);
      const err = await client.check({ service: 'no.such.Service' }).catch((e: unknown) => e);
      assert.ok(err instanceof ConnectError);
      assert.equal(err.code, Code.NotFound);
      const listed = await client.list({});
      assert.deepEqual(Object.keys(listed.statuses).sort(), [...SERVICES].sort());
    });

    it('answers @grpc/grpc-js with the health.proto grpc-health-check ships', async () => {
      const definition = protoLoader.loadSync('health/v1/health.proto', {
        includeDirs: [join(packageRoot(), 'node_modules/grpc-health-check/proto')],
        enums: String,
      });
      const pkg = grpc.loadPackageDefinition(definition) as any;
      const client = new pkg.grpc.health.v1.Health(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
      try {
        const res = await new Promise<any>((resolve, reject) =>
          client.Check({ service: 'invites.v1.InviteService' }, (err: Error | null, r: any) => (err ? reject(err) : resolve(r))),
        );
        assert.equal(res.status, 'SERVING');
      } finally {
        client.close();
      }
    });

    it('Watch: SERVICE_UNKNOWN for an unknown service, without ending the call', async () => {
      const w = watch(server.url, 'no.such.Service');
      await until(() => w.seen.length === 1, 'the first message');
      assert.deepEqual(w.seen, [Status.SERVICE_UNKNOWN]);
      w.cancel();
      await w.done;
    });
  });

  describe('when the database goes away and comes back', () => {
    let dir: string;
    let db: EmbeddedDb;
    let proxy: TcpProxy;
    let server: TestServer;
    before(async () => {
      // An engine of its own behind a proxy the test can cut: a real network failure for the driver.
      dir = await mkdtemp(join(tmpdir(), 'invites-health-db-'));
      db = await startEmbeddedDb({ binary: defaultEmbeddedDbBinary(), dataDir: dir });
      proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(db.uri).port) });
      server = await startTestServer({
        MONGODB_URI: `mongodb://127.0.0.1:${proxy.port}/?directConnection=true`,
        INVITES_HEALTH_INTERVAL: '1s',
      });
    });
    after(async () => {
      await server?.stop();
      await proxy?.close();
      await db?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('Watch streams NOT_SERVING then SERVING; /readyz turns 503 and back; /healthz stays 200', async () => {
      const watches = SERVICES.map((service) => watch(server.url, service));
      await until(() => watches.every((w) => w.seen.length === 1), 'the current status on every watch');
      assert.deepEqual(
        watches.map((w) => w.seen),
        SERVICES.map(() => [Status.SERVING]),
      );

      proxy.cut();
      await until(() => watches.every((w) => w.seen.length === 2), 'NOT_SERVING on every watch');
      assert.deepEqual(
        watches.map((w) => w.seen),
        SERVICES.map(() => [Status.SERVING, Status.NOT_SERVING]),
      );
      const notReady = await request(server.url, { path: '/readyz' });
      assert.equal(notReady.status, 503);
      const body = JSON.parse(notReady.body);
      assert.equal(body.status, 'not_ready');
      assert.equal(body.database.reachable, false);
      assert.match(body.problem, /database/);
      assert.ok(!notReady.body.includes(String(proxy.port)), 'no connection details in the answer');
      assert.equal((await request(server.url, { path: '/healthz' })).status, 200, 'the process is still fine');
      const check = await createClient(Health, createGrpcTransport({ baseUrl: server.url })).check({ service: 'invites.v1.InviteService' });
      assert.equal(check.status, Status.NOT_SERVING);
      const metrics = await request(server.url, { path: '/metrics' });
      assert.match(metrics.body, /^invites_database_up 0$/m);

      proxy.restore();
      await until(() => watches.every((w) => w.seen.length === 3), 'SERVING again on every watch');
      assert.deepEqual(
        watches.map((w) => w.seen),
        SERVICES.map(() => [Status.SERVING, Status.NOT_SERVING, Status.SERVING]),
      );
      assert.equal((await request(server.url, { path: '/readyz' })).status, 200);
      assert.ok(
        server.logs.some((l) => /database unhealthy/.test(l)),
        'the outage is logged',
      );
      for (const w of watches) w.cancel();
      await Promise.all(watches.map((w) => w.done));
    });
  });

  it('on shutdown, Watch streams get NOT_SERVING and end, without holding the shutdown up', async () => {
    const server = await startTestServer({ INVITES_SHUTDOWN_TIMEOUT: '20s' });
    const w = watch(server.url, '');
    await until(() => w.seen.length === 1, 'the current status');
    const started = Date.now();
    await server.stop();
    await w.done;
    assert.deepEqual(w.seen, [Status.SERVING, Status.NOT_SERVING]);
    assert.ok(Date.now() - started < 10_000, 'the stream did not wait out the 20 s drain');
  });
});
