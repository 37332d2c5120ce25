import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditListJson } from '../../cli/commands/audit/list.js';
import type { CreatedKeyJson } from '../../cli/commands/keys/create.js';
import type { KeyListJson } from '../../cli/commands/keys/list.js';
import { request } from '../support/http-request.js';
import { awayFromMinuteEnd } from '../support/rate-limit-window.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { assertOneErrorLine, runInvitesctl, type CliResult, startCliTarget, type CliTarget } from './cli-harness.js';

const FULL_KEY = /^([A-Za-z0-9_-]{12})\/[A-Za-z0-9_-]{36}\n$/;

describe('invitesctl key lifecycle and audit:list (the real binary against a real server)', function () {
  this.timeout(90_000);
  let server: TestServer;
  let cli: (...args: string[]) => Promise<CliResult>;
  const createInvite = (key: string) => request(server.url, { path: `/invites_api?key=${key}` });

  let target: CliTarget | undefined;
  before(async () => {
    target = await startCliTarget('keys/rotate');
    ({ server, cli } = target);
  });
  after(async () => target?.stop());

  const lifecycleTitle =
    'creates a key that expires and is limited, lists its use, disables, enables and rotates it, ' + 'and shows it all in audit:list';
  it(lifecycleTitle, async () => {
    const created = await cli('keys:create', 'example.com', 'signup bot', '--expires-in', '30d', '--rate-limit', '3', '--json');
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout) as CreatedKeyJson;
    assert.equal(key.rateLimitPerMinute, 3);
    assert.equal(Date.parse(key.expiresAt!) - Date.parse(key.createdAt!), 30 * 86400_000);
    assert.equal(key.disabled, false);

    await awayFromMinuteEnd(10);
    for (let i = 0; i < 3; i++) assert.equal((await createInvite(key.key)).status, 201);
    assert.equal((await createInvite(key.key)).status, 429, 'its own limit of 3 a minute');

    const listed = await cli('keys:list', 'example.com');
    assert.equal(listed.code, 0, listed.stderr);
    const [header, row] = listed.stdout.split('\n');
    assert.match(header!, /^ID\s+NAME\s+CREATED\s+STATE\s+EXPIRES\s+LIMIT\/MIN\s+USES\s+LAST USED$/);
    assert.match(
      row!,
      new RegExp(
        `^${key.id}\\s+signup bot\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\s+active\\s+` +
          `\\d{4}-\\S+ \\S+ UTC\\s+3\\s+4\\s+\\d{4}-\\S+ \\S+ UTC$`,
      ),
    );
    const json = JSON.parse((await cli('keys:list', 'example.com', '--json')).stdout) as KeyListJson;
    assert.equal(json.keys[0]?.useCount, 4, 'four requests authenticated (one of them refused by the limit)');
    assert.ok(json.keys[0]?.lastUsedAt);

    const disabled = await cli('keys:disable', 'example.com', key.id);
    assert.equal(disabled.code, 0, disabled.stderr);
    assert.match(
      disabled.stdout,
      new RegExp(`^Disabled key ${key.id} of example.com: it is refused until "invitesctl keys:enable example.com ${key.id}"\\.\\n$`),
    );
    assert.equal((await createInvite(key.key)).status, 401);
    assert.match((await cli('keys:list', 'example.com')).stdout, new RegExp(`^${key.id}.*\\sdisabled\\s`, 'm'));
    const enabled = await cli('keys:enable', 'example.com', key.id, '--json');
    assert.equal(enabled.code, 0, enabled.stderr);
    assert.equal((JSON.parse(enabled.stdout) as { disabled: boolean }).disabled, false);

    const rotated = await cli('keys:rotate', 'example.com', key.id);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.equal(rotated.stderr, '');
    assert.equal(FULL_KEY.exec(rotated.stdout)?.[1], key.id, 'the new key alone on stdout, same id');
    assert.equal((await createInvite(key.key)).status, 401, 'the old secret is dead');

    const audit = await cli('audit:list', '--host', 'example.com', '--since', '1h', '--json');
    assert.equal(audit.code, 0, audit.stderr);
    const { events } = JSON.parse(audit.stdout) as AuditListJson;
    const mine = events.filter((e) => e.keyId === key.id).map((e) => `${e.action} by ${e.actor}`);
    assert.deepEqual(mine, [
      'key_rotated by admin',
      'key_enabled by admin',
      'key_disabled by admin',
      `invite_created by key:${key.id}`,
      `invite_created by key:${key.id}`,
      `invite_created by key:${key.id}`,
      'key_created by admin',
    ]);
    const table = await cli('audit:list', '--since', '2000-01-01');
    assert.match(table.stdout, /^TIME\s+ACTION\s+ACTOR\s+HOST\s+KEY\s+INVITE$/m);
    assert.match(table.stdout, new RegExp(`^\\d{4}-\\S+ \\S+ UTC\\s+key_rotated\\s+admin\\s+example\\.com\\s+${key.id}\\s+-$`, 'm'));
  });

  it('refuses bad values with one line and the documented exit code', async () => {
    assertOneErrorLine(
      await cli('keys:create', 'example.com', '--expires-in', 'forever'),
      2,
      /--expires-in: must be a duration such as 3600, 12h, 30d or 52w, not "forever"/,
    );
    assertOneErrorLine(
      await cli('keys:create', 'example.com', '--expires-in', '3651d'),
      6,
      /expires_in must be between 1 second and 3650 days/,
    );
    assertOneErrorLine(await cli('keys:create', 'example.com', '--rate-limit', '0'), 2, /--rate-limit/);
    assertOneErrorLine(await cli('keys:disable', 'example.com', 'AAAAAAAAAAAA'), 1, /key not found/);
    assertOneErrorLine(await cli('keys:rotate', 'nope.example.net', 'AAAAAAAAAAAA'), 6, /host "nope\.example\.net" is not configured/);
    assertOneErrorLine(await cli('audit:list', '--since', 'yesterday'), 2, /--since: must be a time such as 2026-05-01/);
    assertOneErrorLine(await cli('audit:list', '--limit', '5000'), 2, /--limit/);
    assert.equal(
      await server.database.client
        .db(server.database.name)
        .collection('keys')
        .countDocuments({ name: { $ne: 'signup bot' } }),
      0,
      'nothing was created',
    );
  });
});

describe('invitesctl when the server rate limits it', function () {
  this.timeout(60_000);
  let server: TestServer;
  let cwd: string;
  before(async () => {
    server = await startTestServer({ INVITES_AUTH_FAILURE_LIMIT: '2' });
    cwd = await mkdtemp(join(tmpdir(), 'invitesctl-cwd-'));
  });
  after(async () => {
    await server?.stop();
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  it("exits 7 with the server's message once its address has had too many refused admin tokens", async () => {
    const wrong = (...args: string[]) =>
      runInvitesctl(args, { cwd, env: { INVITES_URL: server.url, INVITES_ADMIN_TOKEN: 'w'.repeat(32) } });
    await awayFromMinuteEnd(30); // three CLI starts take seconds on a busy machine
    assertOneErrorLine(await wrong('keys:list', 'example.com'), 4, /refused the admin token/);
    assertOneErrorLine(await wrong('keys:list', 'example.com'), 4, /refused the admin token/);
    assertOneErrorLine(
      await wrong('keys:list', 'example.com'),
      7,
      /refused: too many refused credentials from your address: try again in \d+ s/,
    );
  });
});
