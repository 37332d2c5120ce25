import assert from 'node:assert/strict';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import net from 'node:net';
import { request } from '../support/http-request.js';
import { awayFromMinuteEnd } from '../support/rate-limit-window.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const LIMIT = 5;
const BURST = 200;
// A different id each time, so that every lookup reads the database (unknown ids are cached a moment).
let guesses = 0;
const wrongKey = () => `${String(guesses++).padStart(12, 'A')}/${'B'.repeat(36)}`;

/** Opens one socket per request first, then sends every request at once; resolves to each answer's status. */
async function burstOverSockets(port: number, requests: string[]): Promise<string[]> {
  const sockets = await Promise.all(
    requests.map(
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
          socket.on('error', reject);
        }),
    ),
  );
  return Promise.all(
    sockets.map(
      (socket, i) =>
        new Promise<string>((resolve) => {
          let head = '';
          socket.on('data', (chunk) => {
            head += chunk.toString('latin1');
            const status = /^HTTP\/1\.1 (\d{3})/.exec(head);
            if (status) {
              socket.destroy();
              resolve(status[1]!);
            }
          });
          socket.on('close', () => resolve(head ? head.slice(0, 12) : 'closed'));
          socket.write(requests[i]!);
        }),
    ),
  );
}

const tally = (outcomes: string[]) => outcomes.reduce<Record<string, number>>((t, o) => ({ ...t, [o]: (t[o] ?? 0) + 1 }), {});

describe('refused credentials sent all at once', function () {
  // The server reaches its database through a proxy that can hold every key lookup for a moment,
  // so that all the guesses of a burst are surely in flight together.
  let database: TestDatabase;
  let proxy: TcpProxy;
  let server: TestServer;
  let key: string;
  before(async () => {
    database = await createTestDatabase();
    const { hostname, port } = new URL(database.uri.replace(/^mongodb:/, 'http:'));
    proxy = await startTcpProxy({ host: hostname, port: Number(port) });
    const uri = `mongodb://127.0.0.1:${proxy.port}/?directConnection=true`;
    server = await startTestServer(
      { INVITES_AUTH_FAILURE_LIMIT: String(LIMIT), INVITES_TRUSTED_PROXIES: 'loopback', INVITES_DB_TIMEOUT: '10s' },
      { database: { ...database, uri, drop: async () => {} } },
    );
    const admin = createClient(KeyAdmin, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }));
    key = (await admin.createKey({ host: 'example.com' }, { headers: { authorization: `Bearer ${server.adminToken}` } })).fullKey;
  });
  after(async () => {
    await server.stop();
    await proxy.close();
    await database.drop();
  });

  /** Runs `burst` with the database answering nothing for its first 300 ms. */
  async function withLookupsHeld<T>(burst: () => Promise<T>): Promise<T> {
    proxy.freeze();
    const result = burst();
    await new Promise((r) => setTimeout(r, 300));
    proxy.thaw();
    return result;
  }

  const from = (address: string) => ({ 'x-forwarded-for': address });

  const burstTitle =
    `answers at most ${LIMIT} of ${BURST} concurrent wrong keys on one HTTP/2 connection ` +
    `with Unauthenticated, the rest ResourceExhausted`;
  it(burstTitle, async () => {
    await awayFromMinuteEnd(15);
    const client = createClient(InviteService, createConnectTransport({ baseUrl: server.url, httpVersion: '2' }));
    const outcomes = await withLookupsHeld(() =>
      Promise.all(
        Array.from({ length: BURST }, () =>
          client.createInvite({}, { headers: { authorization: `Bearer ${wrongKey()}`, ...from('203.0.113.30') } }).then(
            () => 'OK',
            (e: unknown) => (e instanceof ConnectError ? Code[e.code] : String(e)),
          ),
        ),
      ),
    );
    assert.deepEqual(tally(outcomes), { Unauthenticated: LIMIT, ResourceExhausted: BURST - LIMIT });
  });

  it(`answers at most ${LIMIT} of ${BURST} concurrent wrong keys over HTTP/1.1 sockets with 401, the rest 429`, async () => {
    await awayFromMinuteEnd(15);
    const statuses = await withLookupsHeld(() =>
      burstOverSockets(
        server.port,
        Array.from(
          { length: BURST },
          () => `GET /invites_api?key=${wrongKey()} HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: 203.0.113.31\r\n\r\n`,
        ),
      ),
    );
    assert.deepEqual(tally(statuses), { 401: LIMIT, 429: BURST - LIMIT });
    assert.equal((await request(server.url, { path: '/healthz' })).status, 200);
  });

  it('does not count valid keys sent at once, however many: an honest client is never refused', async () => {
    await awayFromMinuteEnd(15);
    const client = createClient(InviteService, createConnectTransport({ baseUrl: server.url, httpVersion: '2' }));
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, () =>
        client.createInvite({}, { headers: { authorization: `Bearer ${key}`, ...from('203.0.113.32') } }).then(
          () => 'OK',
          (e: unknown) => (e instanceof ConnectError ? Code[e.code] : String(e)),
        ),
      ),
    );
    assert.deepEqual(tally(outcomes), { OK: 60 });
    const wrong = [];
    for (let i = 0; i < LIMIT + 1; i++)
      wrong.push((await request(server.url, { path: `/invites_api?key=${wrongKey()}`, headers: from('203.0.113.32') })).status);
    assert.deepEqual(wrong, [...Array<number>(LIMIT).fill(401), 429], 'the valid keys left the whole allowance of refusals');
  });
});
