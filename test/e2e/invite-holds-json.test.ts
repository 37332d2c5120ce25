import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/test-server.js';

// Two-phase use as the Prosody module calls it: Connect's JSON protocol, plain POST + JSON +
// Bearer, no generated client.

describe('HoldInvite / ConfirmInvite / ReleaseInvite over Connect JSON (plain fetch, real server)', function () {
  let server: TestServer;
  let key: string;
  let otherHostKey: string;

  /** One Connect unary call with JSON; answers the HTTP status and the parsed body. */
  const call = async (method: string, body: unknown, bearer?: string) => {
    const res = await fetch(`${server.url}/invites.v1.InviteService/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  before(async () => {
    server = await startTestServer({ INVITES_HOLD_TTL: '1s' });
    const createKey = async (host: string) => {
      const res = await fetch(`${server.url}/invites.v1.KeyAdmin/CreateKey`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` },
        body: JSON.stringify({ host, name: 'prosody' }),
      });
      return ((await res.json()) as { fullKey: string }).fullKey;
    };
    key = await createKey('example.com');
    otherHostKey = await createKey('localhost');
  });
  after(async () => server.stop());

  it("holds, confirms (idempotently) and lists the account, with the invite's kind, roles and groups", async () => {
    const created = await call('CreateInvite', { username: 'alice', inviter: 'bob', roles: ['prosody:member'], groups: ['team'] }, key);
    assert.equal(created.status, 200);
    const { token, uri } = created.body.invite;
    assert.equal(uri, `xmpp:alice@example.com?register;preauth=${token}`);

    const refused = await call('HoldInvite', { token, account: 'mallory' }, key);
    assert.deepEqual([refused.status, refused.body.code], [400, 'failed_precondition']);
    assert.match(refused.body.message, /^this invite is for the account alice/);

    const held = await call('HoldInvite', { token, account: 'alice' }, key);
    assert.equal(held.status, 200);
    assert.equal(held.body.use, 1);
    assert.equal(typeof held.body.holdId, 'string');
    assert.ok(Date.parse(held.body.holdExpireTime) > Date.now());
    assert.deepEqual(
      [held.body.invite.username, held.body.invite.inviter, held.body.invite.roles, held.body.invite.groups],
      ['alice', 'bob', ['prosody:member'], ['team']],
    );

    const pub = await call('GetInvite', { token });
    assert.deepEqual(
      [pub.body.invite.status, pub.body.invite.remainingUses ?? 0, pub.body.detail],
      ['INVITE_STATUS_USED_UP', 0, undefined],
    );

    const confirmed = await call('ConfirmInvite', { token, holdId: held.body.holdId }, key);
    assert.equal(confirmed.status, 200);
    assert.deepEqual([confirmed.body.redemption.use, confirmed.body.redemption.account], [1, 'alice']);
    const retried = await call('ConfirmInvite', { token, holdId: held.body.holdId }, key);
    assert.deepEqual(retried.body.redemption, confirmed.body.redemption);

    const inDb = await server.database.client.db(server.database.name).collection('redemptions').find({ token, kind: 'use' }).toArray();
    assert.deepEqual(
      inDb.map((d) => d.account),
      ['alice'],
      'stored as an ordinary use',
    );

    const detail = await call('GetInvite', { token }, key);
    assert.deepEqual(
      detail.body.detail.redemptions.map((r: { account: string }) => r.account),
      ['alice'],
    );
    assert.equal((await call('GetInvite', { token }, otherHostKey)).body.detail, undefined, "another host's key sees the public view only");
  });

  it('releases a hold (idempotently) and gives the use to the next registration; a lapsed hold cannot be confirmed', async () => {
    const { token } = (await call('CreateInvite', {}, key)).body.invite;
    const first = await call('HoldInvite', { token, account: 'alice' }, key);
    assert.equal((await call('ReleaseInvite', { token, holdId: first.body.holdId }, key)).status, 200);
    assert.equal((await call('ReleaseInvite', { token, holdId: first.body.holdId }, key)).status, 200);
    const second = await call('HoldInvite', { token, account: 'bob' }, key);
    assert.equal(second.status, 200);
    // INVITES_HOLD_TTL is 1 s here: bob's hold lapses and carol's registration takes the use.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const third = await call('HoldInvite', { token, account: 'carol' }, key);
    assert.equal(third.status, 200);
    const late = await call('ConfirmInvite', { token, holdId: second.body.holdId }, key);
    assert.deepEqual([late.status, late.body.code], [400, 'failed_precondition']);
    assert.match(late.body.message, /^hold lapsed/);
    assert.equal((await call('ConfirmInvite', { token, holdId: third.body.holdId }, key)).body.redemption.account, 'carol');
  });

  it('answers an unknown token or hold with not_found, a missing key with unauthenticated', async () => {
    const { token } = (await call('CreateInvite', {}, key)).body.invite;
    const unknown = await call('HoldInvite', { token: 'AAAAAAAAAAAAAAAAAAAAAAAA', account: 'alice' }, key);
    assert.deepEqual([unknown.status, unknown.body.code], [404, 'not_found']);
    assert.equal((await call('HoldInvite', { token, account: 'alice' }, otherHostKey)).body.code, 'not_found');
    assert.equal((await call('ConfirmInvite', { token, holdId: 'AAAAAAAAAAAAAAAAAAAAAA' }, key)).body.code, 'not_found');
    const anonymous = await call('HoldInvite', { token, account: 'alice' });
    assert.deepEqual([anonymous.status, anonymous.body.code], [401, 'unauthenticated']);
  });

  it('lets exactly one of 32 concurrent holds of a single-use invite through', async () => {
    const { token } = (await call('CreateInvite', {}, key)).body.invite;
    const results = await Promise.all(Array.from({ length: 32 }, (_, n) => call('HoldInvite', { token, account: `user${n}` }, key)));
    assert.equal(results.filter((r) => r.status === 200).length, 1);
    assert.ok(results.every((r) => r.status === 200 || r.body.code === 'failed_precondition'));
  });
});
