import assert from 'node:assert/strict';
import type { InviteJson } from '../../cli/invite-output.js';
import type { KeyJson } from '../../cli/key-output.js';
import type { TestServer } from '../support/test-server.js';
import { assertOneErrorLine, type CliResult, startCliTarget, type CliTarget } from './cli-harness.js';

/** RFC 4180 records (quoted fields, doubled quotes, CRLF line ends), enough to check what the CLI wrote. */
function parseCsv(text: string): string[][] {
  assert.ok(text.endsWith('\r\n'), 'every line ends with CRLF');
  const field = /("(?:[^"]|"")*"|[^",\r\n]*)(,|\r\n)/gy;
  const rows: string[][] = [];
  let row: string[] = [];
  for (let m = field.exec(text); m; m = field.exec(text)) {
    row.push(m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replaceAll('""', '"') : m[1]!);
    if (m[2] === '\r\n') {
      rows.push(row);
      row = [];
    }
    if (field.lastIndex === text.length) break;
  }
  return rows;
}

describe('invitesctl invites:update, invites:create --count, keys:update (the real binary against a real server)', function () {
  this.timeout(120_000);
  let server: TestServer;
  let cli: (...args: string[]) => Promise<CliResult>;

  let target: CliTarget | undefined;
  before(async () => {
    target = await startCliTarget('invites/update', { INVITES_MAX_INVITE_TTL: '10d' });
    ({ server, cli } = target);
  });
  after(async () => target?.stop());

  it('invites:update changes what its flags name, and refuses a max below the uses taken', async () => {
    const created = JSON.parse((await cli('invites:create', 'example.com', '--uses', '2', '--group', 'a', '--json')).stdout) as InviteJson;
    const updated = await cli(
      'invites:update',
      created.token,
      '--max-uses',
      '5',
      '--expires-in',
      '3d',
      '--note',
      'Q3',
      '--clear-groups',
      '--json',
    );
    assert.equal(updated.code, 0, updated.stderr);
    const json = JSON.parse(updated.stdout) as InviteJson;
    assert.deepEqual([json.maxUses, json.note, json.groups], [5, 'Q3', []]);
    assert.ok(Math.abs(Date.parse(json.expiresAt!) - Date.now() - 3 * 86400_000) < 60_000, json.expiresAt!);

    const plain = await cli('invites:update', created.landingPageUrl, '--role', 'member');
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, new RegExp(`^Updated invite ${created.token} of example.com: 0/5 uses, expires `));

    await fetch(`${server.url}/invites.v1.InviteService/RedeemInvite`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
      body: JSON.stringify({ token: created.token, account: 'alice' }),
    });
    await fetch(`${server.url}/invites.v1.InviteService/RedeemInvite`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
      body: JSON.stringify({ token: created.token, account: 'bob' }),
    });
    assertOneErrorLine(await cli('invites:update', created.token), 2, /nothing to change: give at least one of --expires-in/);
    const refused = await cli('invites:update', created.token, '--max-uses', '1');
    assertOneErrorLine(refused, 6, /max_uses cannot be lowered to 1: 2 uses are already taken/);
  });

  it('invites:create --count writes CSV: a header and one line per invite (token, uri, page, expiry); --json an array', async () => {
    const made = await cli('invites:create', 'example.com', '--count', '200', '--ttl', '1d', '--output', 'csv');
    assert.equal(made.code, 0, made.stderr);
    const rows = parseCsv(made.stdout);
    assert.deepEqual(rows[0], ['token', 'uri', 'landing_page_url', 'expire_time']);
    assert.equal(rows.length, 201);
    assert.equal(new Set(rows.slice(1).map((r) => r[0])).size, 200);
    for (const [token, uri, url, expires] of rows.slice(1)) {
      assert.equal(uri, `xmpp:example.com?register;preauth=${token}`);
      assert.equal(url, `https://example.com/invite?${token}`);
      assert.ok(Math.abs(Date.parse(expires!) - Date.now() - 86400_000) < 60_000, expires);
    }
    const page = await fetch(`${server.url}/invite?${rows[200]![0]}`);
    assert.equal(page.status, 200);

    const json = await cli('invites:create', 'example.com', '--count', '3', '--json');
    assert.equal(json.code, 0, json.stderr);
    assert.equal((JSON.parse(json.stdout) as InviteJson[]).length, 3);

    const tooMany = await cli('invites:create', 'example.com', '--count', '1001');
    assertOneErrorLine(tooMany, 6, /count must be a whole number from 1 to 1000/);
  });

  it('keys:create sets ceilings, keys:update changes them, and the key is held to them', async () => {
    const created = await cli('keys:create', 'example.com', 'class', '--max-uses-ceiling', '10', '--max-ttl', '1d', '--json');
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout) as KeyJson & { key: string };
    assert.deepEqual([key.maxUsesCeiling, key.maxTtlSeconds, key.maxValidInvites], [10, 86400, 0]);
    const create = (maxUses: number) =>
      fetch(`${server.url}/invites.v1.InviteService/CreateInvite`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key.key}` },
        body: JSON.stringify({ maxUses }),
      });
    const over = await create(50);
    assert.equal(over.status, 400);
    assert.match(((await over.json()) as { message: string }).message, /max_uses 50 is above this key's ceiling of 10/);

    const updated = await cli('keys:update', 'example.com', key.id, '--max-uses-ceiling', '0', '--json');
    assert.equal(updated.code, 0, updated.stderr);
    assert.equal((JSON.parse(updated.stdout) as KeyJson).maxUsesCeiling, 0);
    assert.equal((await create(50)).status, 200);
  });
});
