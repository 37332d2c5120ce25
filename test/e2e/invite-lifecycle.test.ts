import assert from 'node:assert/strict';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { InviteStatus } from '../../gen/invites/v1/invite_pb.js';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import { request } from '../support/http-request.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('the life of an invite over a real server and database', function () {
  let server: TestServer;
  let key: { headers: { authorization: string } };
  let admin: { headers: { authorization: string } };
  let fullKey: string;
  let grpc: ReturnType<typeof createClient<typeof InviteService>>;
  let connect: ReturnType<typeof createClient<typeof InviteService>>;

  before(async () => {
    server = await startTestServer({ INVITES_MAX_INVITE_TTL: '10d' });
    admin = { headers: { authorization: `Bearer ${server.adminToken}` } };
    const keyAdmin = createClient(KeyAdmin, createGrpcTransport({ baseUrl: server.url }));
    fullKey = (await keyAdmin.createKey({ host: 'example.com', name: 'lifecycle' }, admin)).fullKey;
    key = { headers: { authorization: `Bearer ${fullKey}` } };
    grpc = createClient(InviteService, createGrpcTransport({ baseUrl: server.url }));
    connect = createClient(InviteService, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }));
  });
  after(async () => server.stop());

  const redemptionsInDb = (token: string) =>
    server.database.client.db(server.database.name).collection('redemptions').find({ token, kind: 'use' }).toArray();

  const settle = async (calls: Array<Promise<{ redemption?: { account: string } }>>) => {
    const results = await Promise.allSettled(calls);
    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.redemption!.account] : []));
    const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as ConnectError] : []));
    return { won, lost };
  };

  it('lets exactly 1 of 64 concurrent redeems of a single-use invite succeed (gRPC)', async () => {
    const { invite } = await grpc.createInvite({}, key);
    const token = invite!.token;
    const { won, lost } = await settle(Array.from({ length: 64 }, (_, n) => grpc.redeemInvite({ token, account: `user${n}` }, key)));
    assert.equal(won.length, 1);
    assert.equal(lost.length, 63);
    for (const err of lost) {
      assert.equal(err.code, Code.FailedPrecondition);
      assert.match(err.rawMessage, /^invite used up: /);
    }
    const stored = await redemptionsInDb(token);
    assert.deepEqual(
      stored.map((d) => d.account),
      won,
    );
    assert.equal((await grpc.getInvite({ token })).invite?.status, InviteStatus.USED_UP);
  });

  it('lets exactly 5 of 64 concurrent redeems of a 5-use invite succeed, and records each (Connect)', async () => {
    const { invite } = await connect.createInvite({ maxUses: 5, roles: ['prosody:member'] }, key);
    const token = invite!.token;
    const { won, lost } = await settle(Array.from({ length: 64 }, (_, n) => connect.redeemInvite({ token, account: `user${n}` }, key)));
    assert.equal(won.length, 5);
    assert.ok(lost.every((e) => e.code === Code.FailedPrecondition));
    const stored = await redemptionsInDb(token);
    assert.deepEqual(stored.map((d) => d.use).sort(), [1, 2, 3, 4, 5]);
    assert.deepEqual(stored.map((d) => d.account).sort(), [...won].sort());
    const listed = (await connect.listInvites({}, key)).invites.find((i) => i.token === token);
    assert.equal(listed?.uses, 5);
    assert.deepEqual(listed?.redemptions.map((r) => r.account).sort(), [...won].sort());
  });

  it('lets no redeem succeed once RevokeInvite has returned, and loses none that did succeed', async () => {
    const { invite } = await grpc.createInvite({ maxUses: 16 }, key);
    const token = invite!.token;
    const racing = settle(Array.from({ length: 64 }, (_, n) => grpc.redeemInvite({ token, account: `racer${n}` }, key)));
    const { invite: revoked } = await grpc.revokeInvite({ token }, key);
    assert.equal(revoked?.status, InviteStatus.REVOKED);
    const late = await settle(Array.from({ length: 8 }, (_, n) => connect.redeemInvite({ token, account: `late${n}` }, key)));
    assert.equal(late.won.length, 0);
    for (const err of late.lost) assert.match(err.rawMessage, /^invite revoked: /);
    const { won, lost } = await racing;
    assert.ok(won.length <= 16);
    for (const err of lost) assert.match(err.rawMessage, /^invite (revoked|used up): /);
    assert.deepEqual((await redemptionsInDb(token)).map((d) => d.account).sort(), [...won].sort());
  });

  it('lets anyone with the token look the invite up, but only its key or the admin revoke or list it', async () => {
    const { invite } = await connect.createInvite({ note: 'for Alice' }, key);
    const token = invite!.token;
    const anonymous = await connect.getInvite({ token });
    assert.equal(anonymous.invite?.uri, invite!.uri);
    const other = (await createClient(KeyAdmin, createGrpcTransport({ baseUrl: server.url })).createKey({ host: 'example.com' }, admin))
      .fullKey;
    const err = await connect.revokeInvite({ token }, { headers: { authorization: `Bearer ${other}` } }).catch((e: ConnectError) => e);
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, Code.NotFound);
    const adminList = await grpc.listInvites({ host: 'example.com', status: InviteStatus.VALID }, admin);
    assert.ok(adminList.invites.some((i) => i.token === token && i.note === 'for Alice'));
    assert.equal((await grpc.revokeInvite({ token, host: 'example.com' }, admin)).invite?.status, InviteStatus.REVOKED);
  });

  describe('options on the plain GET/POST /invites_api', () => {
    const get = (path: string, headers: Record<string, string> = {}) =>
      request(server.url, { path, headers: { accept: 'application/json', ...headers } });
    const invitesInDb = () =>
      server.database.client
        .db(server.database.name)
        .collection('invites')
        .countDocuments({ host: { $exists: true } }); // invites, not their index entries

    it('takes ttl, uses, repeated role and group, and note as query parameters', async () => {
      const res = await get(
        `/invites_api?key=${fullKey}&ttl=2h&uses=3&role=prosody:member&role=editor&group=team&group=friends&note=Q3%20hires`,
      );
      assert.equal(res.status, 201);
      const body = JSON.parse(res.body);
      assert.equal(Date.parse(body.expireTime) - Date.parse(body.createTime), 2 * 3600_000);
      assert.equal(body.maxUses, 3);
      assert.deepEqual(body.roles, ['prosody:member', 'editor']);
      assert.deepEqual(body.groups, ['team', 'friends']);
      assert.equal(body.note, 'Q3 hires');
      assert.equal(body.status, 'INVITE_STATUS_VALID');
      const doc = await server.database.client.db(server.database.name).collection('invites').findOne({ _id: body.token });
      assert.deepEqual(
        [doc?.maxUses, doc?.roles, doc?.groups, doc?.note],
        [3, ['prosody:member', 'editor'], ['team', 'friends'], 'Q3 hires'],
      );
      const seconds = JSON.parse((await get(`/invites_api?key=${fullKey}&ttl=90&max_uses=2`)).body);
      assert.equal(Date.parse(seconds.expireTime) - Date.parse(seconds.createTime), 90_000);
      assert.equal(seconds.maxUses, 2);
    });

    const bad: Array<[string, RegExp]> = [
      ['ttl=11d', /ttl of 950400 seconds is longer than example\.com allows: at most 864000 seconds \(10d\)/],
      ['ttl=soon', /ttl must be a number of seconds or a duration/],
      ['ttl=0', /ttl must be a whole number of seconds, at least 1/],
      ['ttl=1h&ttl=2h', /ttl is given 2 times/],
      ['uses=lots', /uses must be a whole number/],
      ['uses=0', /max_uses must be a whole number from 1 to 1000/],
      ['max_uses=5000', /max_uses must be a whole number from 1 to 1000/],
      ['uses=2&max_uses=2', /either uses or max_uses/],
      [`note=${'n'.repeat(501)}`, /note is too long/],
      ['role=', /roles: an entry is empty/],
      ['host=localhost', /host: an API key creates invites only on its own host/],
    ];
    for (const [query, message] of bad) {
      it(`answers ${query.slice(0, 30)} with 400 naming the parameter, and creates nothing`, async () => {
        const before = await invitesInDb();
        const res = await get(`/invites_api?key=${fullKey}&${query}`);
        assert.equal(res.status, 400);
        const body = JSON.parse(res.body);
        assert.equal(body.error, 'invalid_argument');
        assert.match(body.message, message);
        assert.equal(await invitesInDb(), before);
      });
    }

    it('lets the admin token create an invite on a host it names', async () => {
      const res = await get('/invites_api?host=localhost&uses=2', { authorization: `Bearer ${server.adminToken}` });
      assert.equal(res.status, 201);
      const body = JSON.parse(res.body);
      assert.equal(body.host, 'localhost');
      assert.equal(body.source, 'admin');
      assert.equal(res.headers.location, `http://localhost:8080/invite?${body.token}`);
    });
  });
});
