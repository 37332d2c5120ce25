import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestServer } from '../support/test-server.js';
import { assertOneErrorLine, closedPort, runInvitesctl, type CliResult, startCliTarget, type CliTarget } from './cli-harness.js';

const FULL_KEY = /^([A-Za-z0-9_-]{12})\/[A-Za-z0-9_-]{36}$/;

describe('invitesctl (the real binary against a real server)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let cwd: string;
  /** Runs bin/run.js with the server's URL and admin token in the environment. */
  let cli: (...args: string[]) => Promise<CliResult>;
  /** GET /invites_api?key=KEY, as an application would call it. */
  let getInvite: (key: string) => Promise<Response>;

  let target: CliTarget | undefined;
  before(async () => {
    target = await startCliTarget('keys/create');
    ({ server, cwd, cli } = target);
    getInvite = (key) => fetch(`${server.url}/invites_api?key=${encodeURIComponent(key)}`, { redirect: 'manual' });
  });

  after(async () => target?.stop());

  it('creates a key, lists it, the key creates an invite, delete revokes it, deleting again is "key not found"', async () => {
    const created = await cli('keys:create', 'example.com', 'My test key');
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stderr, '');
    // Only the key on stdout, so KEY=$(invitesctl keys:create ...) works.
    const key = created.stdout.replace(/\n$/, '');
    const id = FULL_KEY.exec(key)?.[1];
    assert.ok(id, `stdout is the key alone: ${JSON.stringify(created.stdout)}`);

    const listed = await cli('keys:list', 'example.com');
    assert.equal(listed.code, 0, listed.stderr);
    const [header, ...rows] = listed.stdout.trimEnd().split('\n');
    assert.match(header!, /^ID\s+NAME\s+CREATED\s+STATE\s+EXPIRES\s+LIMIT\/MIN\s+USES\s+LAST USED$/);
    const row = rows.find((r) => r.startsWith(`${id} `));
    assert.ok(row, `the new key is listed:\n${listed.stdout}`);
    assert.match(row, /\s{2}My test key\s{2,}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\s{2,}active\s{2,}never\s{2,}\d+\s{2,}0\s{2,}never$/);
    assert.ok(!listed.stdout.includes(key.split('/')[1]!), 'the secret is never listed');

    const invite = await getInvite(key);
    assert.equal(invite.status, 201);
    assert.match(invite.headers.get('location') ?? '', /^https:\/\/example\.com\//);

    const deleted = await cli('keys:delete', 'example.com', id);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, new RegExp(`Deleted key ${id}`));

    assert.equal((await getInvite(key)).status, 401);

    const again = await cli('keys:delete', 'example.com', id);
    assertOneErrorLine(again, 1, /^Error: key not found\n$/);
  });

  it('--json carries the same data, errors included', async () => {
    const created = await cli('keys:create', 'example.com', 'json key', '--json');
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout) as { id: string; host: string; name: string; createdAt: string; key: string };
    assert.deepEqual(Object.keys(key).sort(), [
      'createdAt',
      'disabled',
      'expiresAt',
      'host',
      'id',
      'key',
      'lastUsedAt',
      'maxTtlSeconds',
      'maxUsesCeiling',
      'maxValidInvites',
      'name',
      'rateLimitPerMinute',
      'rotatedAt',
      'useCount',
    ]);
    assert.equal(key.host, 'example.com');
    assert.equal(key.name, 'json key');
    assert.match(key.key, FULL_KEY);
    assert.equal(key.key.split('/')[0], key.id);
    assert.ok(Math.abs(Date.parse(key.createdAt) - Date.now()) < 60_000, key.createdAt);

    const listed = await cli('keys:list', 'example.com', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const list = JSON.parse(listed.stdout) as { host: string; keys: Array<Record<string, unknown>> };
    assert.equal(list.host, 'example.com');
    const { key: _secret, ...record } = key;
    assert.deepEqual(
      list.keys.find((k) => k.id === key.id),
      record,
    );

    const deleted = await cli('keys:delete', 'example.com', key.id, '--json');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(JSON.parse(deleted.stdout), { host: 'example.com', id: key.id, deleted: true });

    const again = await cli('keys:delete', 'example.com', key.id, '--json');
    assert.equal(again.code, 1);
    assert.deepEqual(JSON.parse(again.stdout), { error: { reason: 'not_found', message: 'key not found', exitCode: 1 } });
  });

  it('lists newest first, shows <unnamed>, and says so when a host has no keys', async () => {
    const empty = await cli('keys:list', 'localhost');
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stdout, /^localhost has no API keys yet\. Create one with: invitesctl keys:create localhost/);

    const first = (await cli('keys:create', 'localhost', 'first')).stdout.split('/')[0]!;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = (await cli('keys:create', 'localhost')).stdout.split('/')[0]!;
    const listed = await cli('keys:list', 'localhost');
    const rows = listed.stdout.trimEnd().split('\n').slice(1);
    assert.equal(rows.length, 2);
    assert.match(rows[0]!, new RegExp(`^${second}\\s+<unnamed>\\s`));
    assert.match(rows[1]!, new RegExp(`^${first}\\s+first\\s`));
  });

  it('extra words are a usage error (exit 2) and nothing is created', async () => {
    const before = JSON.parse((await cli('keys:list', 'example.com', '--json')).stdout).keys.length;
    const result = await cli('keys:create', 'example.com', 'My', 'test', 'key');
    assertOneErrorLine(result, 2, /unexpected arguments: test, key\. Put quotes around a name with spaces/);
    const missing = await cli('keys:delete', 'example.com');
    assertOneErrorLine(missing, 2, /missing required argument: ID/);
    const badUrl = await cli('keys:list', 'example.com', '--url', 'not a url');
    assertOneErrorLine(badUrl, 2, /--url: must be an http:\/\/ or https:\/\/ URL/);
    const after = JSON.parse((await cli('keys:list', 'example.com', '--json')).stdout).keys.length;
    assert.equal(after, before);
  });

  it('a host the server does not serve: exit 6, naming the configured hosts', async () => {
    const result = await cli('keys:list', 'nope.example.net');
    assertOneErrorLine(result, 6, /host "nope\.example\.net" is not configured on this server \(configured: .*example\.com/);
  });

  it('a wrong admin token: exit 4, one line', async () => {
    const result = await runInvitesctl(['keys:list', 'example.com', '--admin-token', 'not-the-admin-token-at-all'], {
      cwd,
      env: { INVITES_URL: server.url },
    });
    assertOneErrorLine(result, 4, /refused the admin token/);
    assert.ok(!result.stderr.includes('not-the-admin-token-at-all'), 'the token is not echoed');
  });

  it('reads the admin token from <data-dir>/admin-token: --data-dir, INVITES_DATA_DIR or ./data', async () => {
    const base = await mkdtemp(join(tmpdir(), 'invitesctl-data-'));
    const dataDir = join(base, 'data');
    try {
      await mkdir(dataDir, { mode: 0o700 });
      await writeFile(join(dataDir, 'admin-token'), `${server.adminToken}\n`, { mode: 0o600 });
      const byFlag = await runInvitesctl(
        ['keys:create', 'example.com', 'from the token file', '--url', server.url, '--data-dir', dataDir],
        { cwd },
      );
      assert.equal(byFlag.code, 0, byFlag.stderr);
      assert.match(byFlag.stdout.trim(), FULL_KEY);
      const byEnv = await runInvitesctl(['keys:list', 'example.com', '--json'], {
        cwd,
        env: { INVITES_URL: server.url, INVITES_DATA_DIR: dataDir },
      });
      assert.equal(byEnv.code, 0, byEnv.stderr);
      assert.ok(JSON.parse(byEnv.stdout).keys.some((k: { name: string }) => k.name === 'from the token file'));
      const byDefault = await runInvitesctl(['keys:list', 'example.com'], { cwd: base, env: { INVITES_URL: server.url } });
      assert.equal(byDefault.code, 0, byDefault.stderr);
      assert.match(byDefault.stdout, /from the token file/);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('no admin token anywhere: exit 4, saying where it looked', async () => {
    const result = await runInvitesctl(['keys:list', 'example.com'], { cwd, env: { INVITES_URL: server.url } });
    assertOneErrorLine(
      result,
      4,
      new RegExp(`no admin token: .*${join(cwd, 'data', 'admin-token').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} does not exist`),
    );
  });

  it('an unreachable server: exit 3, "cannot reach the invites server at <url>"', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const env = { INVITES_URL: url, INVITES_ADMIN_TOKEN: server.adminToken };
    const result = await runInvitesctl(['keys:create', 'example.com', 'never made'], { cwd, env });
    assertOneErrorLine(result, 3, new RegExp(`^Error: cannot reach the invites server at ${url.replace(/\./g, '\\.')} `));
    const json = await runInvitesctl(['keys:list', 'example.com', '--json'], { cwd, env });
    assert.equal(json.code, 3);
    const { error } = JSON.parse(json.stdout) as { error: { reason: string; message: string; exitCode: number } };
    assert.equal(error.reason, 'unreachable');
    assert.equal(error.exitCode, 3);
    assert.ok(error.message.startsWith(`cannot reach the invites server at ${url}`));
  });

  describe('servers that answer badly', () => {
    let stub: Server;
    let stubUrl: string;
    let answer: { status: number; type: string; body: string };

    before(async () => {
      stub = createServer((req, res) => {
        req.resume();
        res.writeHead(answer.status, { 'content-type': answer.type });
        res.end(answer.body);
      });
      await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
      stubUrl = `http://127.0.0.1:${(stub.address() as { port: number }).port}`;
    });
    after(async () => {
      stub.closeAllConnections();
      await new Promise((resolve) => stub.close(resolve));
    });

    const run = () =>
      runInvitesctl(['keys:list', 'example.com'], { cwd, env: { INVITES_URL: stubUrl, INVITES_ADMIN_TOKEN: 'x'.repeat(32) } });

    it("a server error: exit 5 with the server's message", async () => {
      answer = {
        status: 500,
        type: 'application/json',
        body: JSON.stringify({ code: 'internal', message: 'internal error: the server logged the details' }),
      };
      assertOneErrorLine(
        await run(),
        5,
        /the invites server at http:\/\/127\.0\.0\.1:\d+ failed: internal error: the server logged the details/,
      );
    });

    it('something that is not an invites server: exit 3', async () => {
      for (const status of [404, 200]) {
        answer = { status, type: 'text/html', body: '<h1>Some web page</h1>' };
        assertOneErrorLine(await run(), 3, /does not serve the KeyAdmin API \(is --url right\?\)/);
      }
    });

    it('control characters from the server do not reach the terminal', async () => {
      answer = { status: 500, type: 'application/json', body: JSON.stringify({ code: 'internal', message: 'bad\u001b[31m\nnews' }) };
      const result = await run();
      assertOneErrorLine(result, 5, /failed: bad \[31m news/);
    });
  });
});
