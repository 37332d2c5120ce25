import assert from 'node:assert/strict';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Health, HealthCheckResponse_ServingStatus as Status } from '../../gen/health/v1/health_pb.js';
import { spawnServer, type ServerProcess } from '../support/server-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

// Issue 13 §1 and §2 against the built server in its own process, on loopback: storms of
// refused and of stalled requests must leave no descriptor behind and /healthz answering.

/** Over the 64 KiB message limit. */
const OVERSIZE = 70_000;
/** Descriptors the server may hold beyond its count at the start (database pool, timers). */
const FD_SLACK = 8;

const openFds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

/** GET /healthz on a fresh connection, optionally from another loopback address. */
function healthz(port: number, localAddress?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false, localAddress, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('timeout', () => req.destroy(new Error('/healthz took over 2 s')));
    req.on('error', reject);
  });
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One oversize CreateInvite over h2c with Node's client, which keeps sending after the answer; then the client leaves. */
function oversizeOverH2(port: number, protocol: 'grpc' | 'grpc-web' | 'connect'): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
    const framed = protocol !== 'connect';
    const body = Buffer.alloc(OVERSIZE + (framed ? 5 : 0), 0x61);
    if (framed) {
      body[0] = 0;
      body.writeUInt32BE(OVERSIZE, 1);
    }
    const contentType = { grpc: 'application/grpc', 'grpc-web': 'application/grpc-web+proto', connect: 'application/proto' }[protocol];
    const req = session.request({
      ':method': 'POST',
      ':path': '/invites.v1.InviteService/CreateInvite',
      'content-type': contentType,
      te: 'trailers',
    });
    let answer: string | undefined;
    let text = '';
    req.on('response', (headers) => (answer = String(headers['grpc-status'] ?? headers[':status'])));
    req.on('trailers', (trailers) => (answer = String(trailers['grpc-status'] ?? answer)));
    req.on('error', () => {});
    req.setEncoding('latin1');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('close', () => {
      session.close();
      // gRPC-Web sends its status in a trailer frame of the body.
      resolve(/grpc-status:\s*(\d+)/.exec(text)?.[1] ?? answer);
    });
    req.end(body);
    setTimeout(() => reject(new Error(`no answer to an oversize ${protocol} request`)), 5000).unref();
  });
}

describe('connections under attack (issue 13): a real server, loopback only', function () {
  this.timeout(90_000);
  let db: TestDatabase;
  let dataDir: string;
  let server: ServerProcess | undefined;
  beforeEach(async () => {
    db = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'invites-conn-'));
  });
  afterEach(async () => {
    server?.child.kill('SIGKILL');
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });
  const start = async (env: Record<string, string> = {}) => {
    server = await spawnServer({
      MONGODB_URI: db.uri,
      MONGODB_DATABASE: db.name,
      INVITES_DATA_DIR: dataDir,
      INVITES_ADMIN_TOKEN: 'admin-token-for-connection-tests',
      ...env,
    });
    // Warm up (database pool, first connections), then count.
    for (let i = 0; i < 3; i++) assert.equal(await healthz(server.port), 200);
    await new Promise((r) => setTimeout(r, 200));
    return openFds(server.child.pid!);
  };

  const oversizeTitle =
    '300 oversize messages over h2c (gRPC, gRPC-Web, Connect) and 100 over HTTP/1.1: ' + 'descriptors back to start, SIGTERM prompt';
  it(oversizeTitle, async () => {
    const before = await start();
    const pid = server!.child.pid!;
    const answers = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const protocol = (['grpc', 'grpc-web', 'connect'] as const)[i % 3]!;
      const answer = `${protocol} ${await oversizeOverH2(server!.port, protocol)}`;
      answers.set(answer, (answers.get(answer) ?? 0) + 1);
    }
    // RESOURCE_EXHAUSTED is gRPC code 8; Connect maps it to HTTP 429.
    assert.deepEqual(Object.fromEntries(answers), { 'grpc 8': 100, 'grpc-web 8': 100, 'connect 429': 100 });
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`http://127.0.0.1:${server!.port}/invites.v1.InviteService/CreateInvite`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ host: 'localhost', note: 'x'.repeat(OVERSIZE) }),
      });
      assert.equal(res.status, 429);
      await res.arrayBuffer();
    }
    await until(() => openFds(pid) <= before + FD_SLACK, `descriptors back to ${before} (+${FD_SLACK}), now ${openFds(pid)}`);
    const after = openFds(pid);
    assert.equal(await healthz(server!.port), 200);
    const signalledAt = Date.now();
    server!.child.kill('SIGTERM');
    assert.equal(await server!.exited, 0);
    const took = Date.now() - signalledAt;
    // Before the fix: 300 descriptors more, and SIGTERM waited the whole 10 s shutdown timeout.
    assert.ok(took < 3000, `exited ${took} ms after SIGTERM`);
    console.log(`      descriptors ${before} before, ${after} after; exit ${took} ms after SIGTERM`);
  });

  it('a slowloris of 360 connections is closed by the deadlines while /healthz keeps answering; a Watch stream lives on', async () => {
    const before = await start({
      INVITES_HEADERS_TIMEOUT: '1s',
      INVITES_REQUEST_TIMEOUT: '2s',
      INVITES_IDLE_TIMEOUT: '1s',
      INVITES_MAX_CONNECTIONS_PER_ADDRESS: '256',
    });
    const pid = server!.child.pid!;
    const port = server!.port;
    const watched: Status[] = [];
    const abort = new AbortController();
    const health = createClient(Health, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
    const watching = (async () => {
      for await (const res of health.watch({ service: '' }, { signal: abort.signal })) watched.push(res.status);
    })().catch((err: unknown) => {
      if (!(err instanceof ConnectError && err.code === Code.Canceled)) throw err;
    });

    const sockets: net.Socket[] = [];
    const closed = new Set<net.Socket>();
    const open = (first: string | Buffer) =>
      new Promise<void>((resolve) => {
        const socket = net.connect({ port, host: '127.0.0.1' }, () => {
          socket.write(first);
          resolve();
        });
        socket.on('error', () => {});
        socket.resume(); // reads what the server answers (408, GOAWAY), so the close is seen
        socket.on('close', () => closed.add(socket));
        sockets.push(socket);
      });
    const stalledStreams: http2.ClientHttp2Session[] = [];
    const started = Date.now();
    for (let i = 0; i < 100; i++) await open('GET /healthz HTTP/1.1\r\n');
    for (let i = 0; i < 100; i++)
      await open(
        'POST /invites.v1.InviteService/CreateInvite HTTP/1.1\r\n' +
          'Host: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ho',
      );
    for (let i = 0; i < 100; i++) await open('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    for (let i = 0; i < 60; i++) {
      const session = http2.connect(`http://127.0.0.1:${port}`);
      session.on('error', () => {});
      const req = session.request({
        ':method': 'POST',
        ':path': '/invites.v1.InviteService/CreateInvite',
        'content-type': 'application/json',
        'content-length': '100',
      });
      req.on('error', () => {});
      req.write('{"ho');
      stalledStreams.push(session);
    }
    // Over the per-address limit, from 127.0.0.1; a client at another address is still served.
    const probes: number[] = [];
    while (Date.now() - started < 3500) {
      probes.push(await healthz(port, '127.0.0.2'));
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(probes.length >= 10 && probes.every((s) => s === 200), `every /healthz probe answered 200: ${probes.join(' ')}`);
    await until(() => closed.size === sockets.length, `all ${sockets.length} slow connections closed (${closed.size} are)`);
    await until(() => stalledStreams.every((s) => s.closed || s.destroyed), 'every stalled HTTP/2 session closed by the server');
    assert.equal(await healthz(port), 200, "the slow clients' own address is served again");
    await until(
      () => openFds(pid) <= before + FD_SLACK + 2,
      `descriptors back to ${before} (+${FD_SLACK}; the Watch holds one), now ${openFds(pid)}`,
    );
    console.log(
      `      descriptors ${before} before, ${openFds(pid)} after; all slow connections closed ${Date.now() - started} ms after the first`,
    );

    // Past the request deadline several times over: the Watch (its request long whole) is still open.
    assert.deepEqual(watched, [Status.SERVING]);
    abort.abort();
    await watching;
  });
});
