import assert from 'node:assert/strict';
import type { InviteJson } from '../../cli/invite-output.js';
import type { TestServer } from '../support/test-server.js';
import { type CliResult, startCliTarget, type CliTarget } from './cli-harness.js';

describe('invitesctl: invite kinds, bound usernames, inviters and the accounts made (real binary, real server)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let cli: (...args: string[]) => Promise<CliResult>;

  let target: CliTarget | undefined;
  before(async () => {
    target = await startCliTarget('invites/create');
    ({ server, cli } = target);
  });
  after(async () => target?.stop());

  const create = async (...args: string[]) => {
    const r = await cli('invites:create', 'example.com', '--json', ...args);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as InviteJson;
  };

  it("creates register, reset and roster invites with Prosody's URIs, and lists who made them and who used them", async () => {
    const bound = await create('--username', 'bob', '--inviter', 'alice');
    assert.equal(bound.uri, `xmpp:bob@example.com?register;preauth=${bound.token}`);
    assert.deepEqual([bound.kind, bound.username, bound.inviter], ['register', 'bob', 'alice']);
    const reset = await create('--type', 'reset', '--username', 'carol');
    assert.deepEqual([reset.kind, reset.uri], ['reset', `xmpp:carol@example.com?register;preauth=${reset.token}`]);
    const contact = await create('--type', 'roster', '--inviter', 'alice', '--allow-registration');
    assert.deepEqual(
      [contact.kind, contact.allowRegistration, contact.uri],
      ['roster', true, `xmpp:alice@example.com?roster;preauth=${contact.token}`.concat(';ibr=y')],
    );

    // bob registers with alice's invite (the registration side confirms a hold).
    const rpc = (method: string, body: unknown) =>
      fetch(`${server.url}/invites.v1.InviteService/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<{ holdId: string }>);
    const { holdId } = await rpc('HoldInvite', { token: bound.token, account: 'bob' });
    await rpc('ConfirmInvite', { token: bound.token, holdId });

    const listed = await cli('invites:list', 'example.com', '--inviter', 'alice');
    assert.equal(listed.code, 0, listed.stderr);
    const [header, ...rows] = listed.stdout.trimEnd().split('\n');
    assert.match(header!, /^TOKEN\s+KIND\s+STATUS\s+USES\s+EXPIRES\s+FOR\s+INVITER\s+ACCOUNTS\s+SOURCE/);
    assert.equal(rows.length, 2, 'only the invites alice made');
    assert.match(
      rows.find((r) => r.startsWith(bound.token))!,
      /^\S+\s+register\s+used_up\s+1\/1\s+.+ UTC\s+bob\s+alice\s+bob\s+admin$/,
    );
    assert.match(
      rows.find((r) => r.startsWith(contact.token))!,
      /^\S+\s+roster\s+valid\s+0\/1\s+.+ UTC\s+-\s+alice\s+-\s+admin$/,
    );

    const json = JSON.parse((await cli('invites:list', 'example.com', '--json')).stdout) as { invites: InviteJson[] };
    const bob = json.invites.find((i) => i.token === bound.token)!;
    assert.deepEqual(
      bob.redemptions.map((r) => r.account),
      ['bob'],
    );
    assert.equal(json.invites.find((i) => i.token === reset.token)?.username, 'carol');
  });

  it('refuses a reset invite without --username, naming the field (exit 6)', async () => {
    const r = await cli('invites:create', 'example.com', '--type', 'reset');
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /username is required for a password-reset invite/);
    assert.equal((await cli('invites:create', 'example.com', '--type', 'friend')).code, 2);
  });
});
