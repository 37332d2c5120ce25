import assert from 'node:assert/strict';
import { settings, type Interfaces } from '@oclif/core';
import { runCommand } from '@oclif/test';
import type { InviteJson } from '../../cli/invite-output.js';
import type { TestServer } from '../support/test-server.js';
import { assertOneErrorLine, runInvitesctl, sourceLoadOptions, type CliResult, startCliTarget, type CliTarget } from './cli-harness.js';

const LANDING_URL = /^https:\/\/example\.com\/invite\?([A-Za-z0-9_-]{24})$/;

describe('invitesctl invites:create, invites:list, invites:revoke (the real binary against a real server)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let cwd: string;
  let cli: (...args: string[]) => Promise<CliResult>;
  const invitesCollection = () => server.database.client.db(server.database.name).collection('invites');

  let target: CliTarget | undefined;
  before(async () => {
    target = await startCliTarget('invites/create', { INVITES_MAX_INVITE_TTL: '10d' });
    ({ server, cwd, cli } = target);
  });
  after(async () => target?.stop());

  it('creates an invite with options and prints its landing page URL alone, which serves the invite', async () => {
    const created = await cli(
      'invites:create',
      'example.com',
      '--uses',
      '3',
      '--ttl',
      '2d',
      '--role',
      'prosody:member',
      '--group',
      'team',
      '--group',
      'friends',
      '--note',
      'Q3 hires',
    );
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stderr, '');
    const token = LANDING_URL.exec(created.stdout.replace(/\n$/, ''))?.[1];
    assert.ok(token, `stdout is the landing page URL alone: ${JSON.stringify(created.stdout)}`);
    const doc = await invitesCollection().findOne({ _id: token as never });
    assert.ok(doc);
    assert.deepEqual(
      [doc.maxUses, doc.roles, doc.groups, doc.note, doc.source],
      [3, ['prosody:member'], ['team', 'friends'], 'Q3 hires', 'admin'],
    );
    assert.equal(doc.expiresAt.getTime() - doc.createdAt.getTime(), 2 * 86400_000);
    const page = await fetch(`${server.url}/invite?${token}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /It can register 3 more accounts/);
  });

  it('--json prints the whole invite', async () => {
    const created = await cli('invites:create', 'localhost', '--json');
    assert.equal(created.code, 0, created.stderr);
    const invite = JSON.parse(created.stdout) as InviteJson;
    assert.equal(invite.host, 'localhost');
    assert.equal(invite.status, 'valid');
    assert.equal(invite.maxUses, 1);
    assert.equal(invite.uses, 0);
    assert.equal(invite.source, 'admin');
    assert.equal(invite.uri, `xmpp:localhost?register;preauth=${invite.token}`);
    assert.equal(invite.landingPageUrl, `http://localhost:8080/invite?${invite.token}`);
    assert.equal(Date.parse(invite.expiresAt!) - Date.parse(invite.createdAt!), 7 * 86400_000);
    assert.deepEqual(invite.redemptions, []);
  });

  it("lists a host's invites newest first as a table, filters by status, and revokes by token or by link", async () => {
    const host = 'example.com';
    const first = LANDING_URL.exec((await cli('invites:create', host, '--note', 'first one')).stdout.trim())![1]!;
    const secondUrl = (await cli('invites:create', host, '--note', 'second one')).stdout.trim();
    const second = LANDING_URL.exec(secondUrl)![1]!;

    const listed = await cli('invites:list', host);
    assert.equal(listed.code, 0, listed.stderr);
    const [header, ...rows] = listed.stdout.trimEnd().split('\n');
    assert.match(header!, /^TOKEN\s+KIND\s+STATUS\s+USES\s+EXPIRES\s+FOR\s+INVITER\s+ACCOUNTS\s+SOURCE\s+NOTE$/);
    const firstRow = rows.findIndex((r) => r.startsWith(first));
    const secondRow = rows.findIndex((r) => r.startsWith(second));
    assert.ok(secondRow >= 0 && secondRow < firstRow, `newest first:\n${listed.stdout}`);
    assert.match(rows[firstRow]!, /^\S+\s+register\s+valid\s+0\/1\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+-\s+-\s+-\s+admin\s+first one$/);

    const revoked = await cli('invites:revoke', host, first);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(revoked.stdout, `Revoked invite ${first} of ${host}: it can no longer be used.\n`);
    const byLink = await cli('invites:revoke', host, secondUrl, '--json');
    assert.equal(byLink.code, 0, byLink.stderr);
    const json = JSON.parse(byLink.stdout) as InviteJson;
    assert.equal(json.token, second);
    assert.equal(json.status, 'revoked');
    assert.ok(json.revokedAt);

    const onlyRevoked = JSON.parse((await cli('invites:list', host, '--status', 'revoked', '--json')).stdout) as {
      status: string;
      invites: InviteJson[];
    };
    assert.equal(onlyRevoked.status, 'revoked');
    assert.deepEqual(
      onlyRevoked.invites.map((i) => i.token),
      [second, first],
    );
    const valid = JSON.parse((await cli('invites:list', host, '--status', 'valid', '--json')).stdout) as { invites: InviteJson[] };
    assert.ok(!valid.invites.some((i) => i.token === first || i.token === second));
    assert.equal((await fetch(`${server.url}/invite?${first}`)).status, 410);
  });

  it('says so when a host has no invites (with that status)', async () => {
    const none = await cli('invites:list', 'localhost', '--status', 'used_up');
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, 'localhost has no invites with status used_up. Create one with: invitesctl invites:create localhost\n');
  });

  it('refuses bad flags before sending anything (exit 2), and what the server refuses with exit 6 naming it', async () => {
    const before = await invitesCollection().countDocuments();
    assertOneErrorLine(
      await cli('invites:create', 'example.com', '--ttl', 'soon'),
      2,
      /^Error: --ttl: must be a duration such as 3600, 90s, 15m, 12h or 7d, not "soon"/,
    );
    assertOneErrorLine(await cli('invites:create', 'example.com', '--uses', 'many'), 2, /--uses/);
    // Integers the wire cannot carry used to end in "serialize binary ... invalid uint32" (exit 5).
    assertOneErrorLine(await cli('invites:create', 'example.com', '--uses', '1e30'), 2, /--uses/);
    assertOneErrorLine(await cli('invites:create', 'example.com', '--uses', '-1'), 2, /--uses/);
    assertOneErrorLine(await cli('invites:list', 'example.com', '--status', 'fresh'), 2, /--status/);
    assertOneErrorLine(
      await cli('invites:create', 'example.com', '--ttl', '11d'),
      6,
      /ttl of 950400 seconds is longer than example\.com allows: at most 864000 seconds \(10d\)/,
    );
    assertOneErrorLine(await cli('invites:create', 'example.com', '--uses', '0'), 6, /max_uses must be a whole number from 1 to 1000/);
    assertOneErrorLine(await cli('invites:create', 'nope.example.net'), 6, /host "nope\.example\.net" is not configured/);
    assert.equal(await invitesCollection().countDocuments(), before, 'nothing was created');
  });

  it('an unknown token: "invite not found", exit 1; with --json the error as JSON', async () => {
    assertOneErrorLine(await cli('invites:revoke', 'example.com', 'AAAAAAAAAAAAAAAAAAAAAAAA'), 1, /^Error: invite not found/);
    const token = LANDING_URL.exec((await cli('invites:create', 'example.com')).stdout.trim())![1]!;
    const otherHost = await cli('invites:revoke', 'localhost', token, '--json');
    assert.equal(otherHost.code, 1);
    const { error } = JSON.parse(otherHost.stdout) as { error: { reason: string; exitCode: number } };
    assert.deepEqual([error.reason, error.exitCode], ['not_found', 1]);
    assert.equal((await fetch(`${server.url}/invite?${token}`)).status, 200, 'the guard kept it valid');
  });

  it('a wrong admin token: exit 4', async () => {
    const result = await runInvitesctl(['invites:list', 'example.com', '--admin-token', 'not-the-admin-token-at-all'], {
      cwd,
      env: { INVITES_URL: server.url },
    });
    assertOneErrorLine(result, 4, /refused the admin token/);
  });
});

describe('invitesctl invites:* help (in process)', () => {
  let loadOptions: Interfaces.LoadOptions;
  let saved: boolean | undefined;
  before(() => {
    saved = settings.enableAutoTranspile;
    settings.enableAutoTranspile = false;
    loadOptions = sourceLoadOptions();
  });
  after(() => {
    settings.enableAutoTranspile = saved;
  });

  for (const [id, example] of [
    ['invites:create', '$ invitesctl invites:create example.com --uses 10 --ttl 3d --group team'],
    ['invites:list', '$ invitesctl invites:list example.com --status valid'],
    ['invites:revoke', '$ invitesctl invites:revoke example.com lGmyJgq3YNw1XuKEm2a7sNjd'],
  ] as const) {
    it(`${id} --help shows real examples, the connection flags and the exit codes`, async () => {
      const { stdout, error } = await runCommand([id, '--help'], loadOptions);
      assert.equal(error, undefined);
      assert.ok(stdout.includes(example), stdout);
      assert.match(stdout, /^EXIT CODES$/m);
      assert.match(stdout, /--admin-token=TOKEN\s+\[env: INVITES_ADMIN_TOKEN\]/);
      assert.match(stdout, /--json/);
    });
  }

  it('the root help lists the invites topic', async () => {
    const { stdout } = await runCommand(['--help'], loadOptions);
    assert.match(stdout, /invites\s+Create, list and revoke invites with the admin token\./);
  });
});
