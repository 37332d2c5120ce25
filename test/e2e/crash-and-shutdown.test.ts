import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grpcCreateLoop, httpCreateLoop, type Outcome } from '../support/load-loop.js';
import { spawnServer, type ServerProcess } from '../support/server-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const ADMIN_TOKEN = 'admin-token-for-crash-tests';

async function createKey(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/invites.v1.KeyAdmin/CreateKey`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ host: 'localhost', name: 'load', rateLimitPerMinute: 100000 }),
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { fullKey: string }).fullKey;
}

const untilCount = async (outcomes: Outcome[][], n: number) => {
  while (outcomes.reduce((s, o) => s + o.filter((x) => x.ok).length, 0) < n) await new Promise((r) => setTimeout(r, 5));
};
const tokensOf = (outcomes: Outcome[]) => outcomes.flatMap((o) => (o.ok ? [o.token] : []));

describe('the server process under load: kill -9 and SIGTERM', function () {
  let db: TestDatabase;
  let dataDir: string;
  let server: ServerProcess | undefined;
  beforeEach(async () => {
    db = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'invites-crash-'));
    // The database outlives the server: it is the test engine, not one the server starts.
    server = await spawnServer({
      MONGODB_URI: db.uri,
      MONGODB_DATABASE: db.name,
      INVITES_DATA_DIR: dataDir,
      INVITES_ADMIN_TOKEN: ADMIN_TOKEN,
    });
  });
  afterEach(async () => {
    server?.child.kill('SIGKILL');
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });
  const invites = () => db.client.db(db.name).collection<{ _id: string; expiresAt: Date; host: string; keyId: string }>('invites');

  it('kill -9 during a burst of creates: every invite a client was told about is stored and valid', async () => {
    const key = await createKey(server!.port);
    const loops = [httpCreateLoop(server!.port, key, 16), grpcCreateLoop(server!.port, key, 16)];
    await untilCount(
      loops.map((l) => l.outcomes),
      300,
    );
    server!.child.kill('SIGKILL');
    await server!.exited;
    await Promise.all(loops.map((l) => l.done));

    const acknowledged = loops.flatMap((l) => tokensOf(l.outcomes));
    assert.ok(acknowledged.length >= 300);
    const stored = await invites()
      .find({ _id: { $in: acknowledged } })
      .toArray();
    const missing = acknowledged.filter((t) => !stored.some((d) => d._id === t));
    assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged invites are missing`);
    const now = new Date();
    for (const d of stored) {
      assert.ok(d.expiresAt > now, 'still valid');
      assert.equal(d.host, 'localhost');
      assert.equal(d.keyId, key.split('/')[0]);
    }
    const failures = loops.flatMap((l) => l.outcomes.filter((o) => !o.ok));
    assert.ok(failures.length > 0, 'the kill did cut requests off (so it happened during the burst)');
  });

  it('SIGTERM after clients hung up on their requests: exits at once, without waiting out the shutdown timeout', async () => {
    const key = await createKey(server!.port);
    // Each client sends a create and closes its connection before the answer can come back.
    await Promise.all(
      Array.from(
        { length: 20 },
        () =>
          new Promise<void>((resolve, reject) => {
            const socket = net.connect(server!.port, '127.0.0.1', () => {
              socket.write(`GET /invites_api?key=${encodeURIComponent(key)} HTTP/1.1\r\nHost: localhost\r\n\r\n`, () => socket.destroy());
            });
            socket.once('close', () => resolve());
            socket.once('error', reject);
          }),
      ),
    );
    // The server took them: their invites get written although nobody is left to hear of them.
    while ((await invites().countDocuments({ host: { $exists: true } })) < 20) await new Promise((r) => setTimeout(r, 20));
    const signalledAt = Date.now();
    server!.child.kill('SIGTERM');
    assert.equal(await server!.exited, 0);
    const took = Date.now() - signalledAt;
    assert.ok(
      took < 3000,
      `exited ${took} ms after SIGTERM (the shutdown timeout is 10 s: a request whose client hung up must not count as in flight)`,
    );
  });

  it('SIGTERM during load: requests in flight are answered, none is cut off, and the process exits 0', async () => {
    const key = await createKey(server!.port);
    const loops = [httpCreateLoop(server!.port, key, 16), grpcCreateLoop(server!.port, key, 8)];
    await untilCount(
      loops.map((l) => l.outcomes),
      200,
    );
    const signalledAt = Date.now();
    server!.child.kill('SIGTERM');
    assert.equal(await server!.exited, 0);
    await Promise.all(loops.map((l) => l.done));

    const all = loops.flatMap((l) => l.outcomes);
    const acknowledged = tokensOf(all);
    assert.ok(
      all.some((o) => o.ok && o.at >= signalledAt),
      'requests in flight at SIGTERM were answered',
    );
    // Every failure is a request the server never took: a refused connection, a reset one (a
    // keep-alive socket it closed while idle, or a connection still in the kernel's accept queue
    // when it stopped listening), or an HTTP/2 stream it refused after its GOAWAY (REFUSED_STREAM
    // says the stream was not processed). None is a request it took and dropped: no cut-off
    // response, no 5xx, no other gRPC error (CANCEL was one); the count below proves the resets.
    const failures = all.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);
    for (const f of failures) {
      const refused =
        f.code === 'ECONNREFUSED' ||
        f.code === 'ECONNRESET' ||
        (f.code === 'Unavailable' && /ECONNREFUSED/.test(f.error)) ||
        /NGHTTP2_REFUSED_STREAM/.test(f.error);
      assert.ok(refused, `a request failed in another way: ${JSON.stringify(f)}`);
    }
    // What was stored is exactly what the clients were told: no request wrote an invite whose
    // answer was then lost.
    assert.equal(await invites().countDocuments({ host: { $exists: true } }), acknowledged.length); // invites, not their index entries
    assert.equal(new Set(acknowledged).size, acknowledged.length);
  });
});
