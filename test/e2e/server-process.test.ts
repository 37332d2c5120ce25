import assert from 'node:assert/strict';
import { create, toBinary } from '@bufbuild/protobuf';
import { readdirSync, readFileSync } from 'node:fs';
import { stat, mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateKeyRequestSchema } from '../../gen/invites/v1/key_admin_pb.js';
import { request } from '../support/http-request.js';
import { spawnServer } from '../support/server-process.js';
import { createTestDatabase } from '../support/test-database.js';

/** Processes of the embedded engine on `dataDir` (found through /proc, as pgrep would). */
function enginePids(dataDir: string): number[] {
  const wanted = ['--data-dir', join(dataDir, 'db')].join('\0');
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const cmdline = readFileSync(`/proc/${d}/cmdline`, 'utf8');
        return cmdline.includes('invites-embedded-db') && cmdline.includes(wanted);
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

describe('the server process', function () {
  let dataDir: string;
  beforeEach(async () => (dataDir = await mkdtemp(join(tmpdir(), 'invites-proc-'))));
  afterEach(async () => rm(dataDir, { recursive: true, force: true }));

  it('starts on the embedded database with no configuration, writes a 0600 admin token, and exits 0 on SIGTERM', async () => {
    const server = await spawnServer({ INVITES_DATA_DIR: dataDir });
    const tokenPath = join(dataDir, 'admin-token');
    assert.equal((await stat(tokenPath)).mode & 0o777, 0o600);
    const token = (await readFile(tokenPath, 'utf8')).trim();
    const res = await fetch(`http://127.0.0.1:${server.port}/invites.v1.KeyAdmin/CreateKey`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ host: 'localhost', name: 'quick start' }),
    });
    assert.equal(res.status, 200);
    const { fullKey } = (await res.json()) as { fullKey: string };
    const created = await request(`http://127.0.0.1:${server.port}`, { path: `/invites_api?key=${fullKey}` });
    assert.equal(created.status, 201);
    assert.match(String(created.headers.location), /^http:\/\/localhost:8080\/invite\?[A-Za-z0-9_-]{24}$/);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    assert.ok(!server.output().includes(token), 'the admin token is not logged');
    assert.ok(!server.output().includes(fullKey.split('/')[1]!), 'the key is not logged');

    // The data survives a restart, and the same admin token is used.
    const again = await spawnServer({ INVITES_DATA_DIR: dataDir });
    try {
      assert.equal((await readFile(tokenPath, 'utf8')).trim(), token);
      const res2 = await request(`http://127.0.0.1:${again.port}`, { path: `/invites_api?key=${fullKey}` });
      assert.equal(res2.status, 201);
    } finally {
      again.child.kill('SIGTERM');
      assert.equal(await again.exited, 0);
    }
  });

  it('restarts its embedded database when that process dies, and serves again with the data it had', async function () {
    // A server and its engine start, die and start again: on a busy machine that outlasts the default 30 s.
    this.timeout(90_000);
    const server = await spawnServer({ INVITES_DATA_DIR: dataDir });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
      const res = await fetch(`${base}/invites.v1.KeyAdmin/CreateKey`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ host: 'localhost' }),
      });
      const { fullKey } = (await res.json()) as { fullKey: string };
      const before = await request(base, { path: `/invites_api?key=${fullKey}` });
      assert.equal(before.status, 201);

      const engines = enginePids(dataDir);
      assert.equal(engines.length, 1, 'one engine process');
      process.kill(engines[0]!, 'SIGKILL');

      const deadline = Date.now() + 20_000;
      let after = await request(base, { path: `/invites_api?key=${fullKey}` });
      while (after.status !== 201 && Date.now() < deadline) {
        assert.equal(after.status, 503, 'meanwhile: 503, the database is not reachable');
        await new Promise((r) => setTimeout(r, 200));
        after = await request(base, { path: `/invites_api?key=${fullKey}` });
      }
      assert.equal(after.status, 201, 'creates work again without restarting the server');
      const earlier = String(before.headers.location).split('?')[1];
      const kept = await fetch(`${base}/invites.v1.InviteService/GetInvite`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: earlier }),
      });
      assert.equal(kept.status, 200, 'the invite created before the crash is still there');
      assert.match(server.output(), /"signal":"SIGKILL".*embedded database exited unexpectedly: restarting it/);
      assert.match(server.output(), /embedded database restarted/);
    } finally {
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
    }
    assert.deepEqual(enginePids(dataDir), [], 'no engine left running after the server stopped');
  });

  it('finishes a request that is in flight when SIGTERM arrives', async () => {
    const db = await createTestDatabase();
    const server = await spawnServer({
      MONGODB_URI: db.uri,
      MONGODB_DATABASE: db.name,
      INVITES_DATA_DIR: dataDir,
      INVITES_ADMIN_TOKEN: 'admin-token-for-this-test',
    });
    try {
      const body = Buffer.from(toBinary(CreateKeyRequestSchema, create(CreateKeyRequestSchema, { host: 'localhost', name: 'in flight' })));
      const socket = net.connect(server.port, '127.0.0.1');
      let response = '';
      socket.on('data', (c) => (response += c));
      const closed = new Promise((resolve) => socket.on('close', resolve));
      socket.write(
        `POST /invites.v1.KeyAdmin/CreateKey HTTP/1.1\r\nHost: x\r\nContent-Type: application/proto\r\n` +
          `Authorization: Bearer admin-token-for-this-test\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      socket.write(body.subarray(0, 3));
      await new Promise((r) => setTimeout(r, 200));
      server.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(server.child.exitCode, null, 'still running while a request is in flight');
      socket.write(body.subarray(3));
      await closed;
      assert.match(response, /^HTTP\/1\.1 200 /);
      assert.equal(await server.exited, 0);
      const keys = await db.client.db(db.name).collection('keys').find({ name: 'in flight' }).toArray();
      assert.equal(keys.length, 1);
    } finally {
      server.child.kill('SIGKILL');
      await db.drop();
    }
  });

  it('refuses a bad configuration with a message naming the setting, exit code 78', async () => {
    await assert.rejects(spawnServer({ INVITES_DATA_DIR: dataDir, PORT: 'http', INVITES_HOSTS: 'x.org=nope' }), (err: Error) => {
      assert.match(err.message, /exited with 78/);
      assert.match(err.message, /port \(from PORT\)/);
      assert.match(err.message, /hosts\[0\]\.publicBaseUrl \(from INVITES_HOSTS\)/);
      return true;
    });
  });
});
