import assert from 'node:assert/strict';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import { request } from '../support/http-request.js';
import { awayFromMinuteEnd } from '../support/rate-limit-window.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const adminClient = (s: TestServer) => createClient(KeyAdmin, createConnectTransport({ baseUrl: s.url, httpVersion: '1.1' }));
const inviteClient = (s: TestServer) => createClient(InviteService, createConnectTransport({ baseUrl: s.url, httpVersion: '1.1' }));
const create = (s: TestServer, key: string, headers: Record<string, string> = {}) =>
  request(s.url, { path: `/invites_api?key=${encodeURIComponent(key)}`, headers });

describe('rate limits shared by two instances on one database', function () {
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    const env = {
      INVITES_KEY_RATE_LIMIT: '60',
      INVITES_AUTH_FAILURE_LIMIT: '3',
      INVITES_TRUSTED_PROXIES: 'loopback',
      INVITES_RATE_LIMIT_SYNC: '100ms',
    };
    a = await startTestServer(env);
    b = await startTestServer({ ...env, INVITES_ADMIN_TOKEN: a.adminToken }, { database: a.database });
  });
  after(async () => {
    await b.stop();
    await a.stop();
  });
  const admin = () => ({ headers: { authorization: `Bearer ${a.adminToken}` } });
  const newKey = async (rateLimitPerMinute: number) =>
    (await adminClient(a).createKey({ host: 'example.com', rateLimitPerMinute }, admin())).fullKey;
  const storedFor = (key: string) =>
    a.database.client
      .db(a.database.name)
      .collection('invites')
      .countDocuments({ keyId: key.split('/')[0] });

  it('lets a key create its limit per minute across both, then answers 429 + Retry-After and ResourceExhausted', async () => {
    await awayFromMinuteEnd(15);
    const key = await newKey(10);
    for (let i = 0; i < 6; i++) assert.equal((await create(a, key)).status, 201);
    await a.app.syncCounters();
    await b.app.syncCounters();
    const onB = [];
    for (let i = 0; i < 6; i++) onB.push(await create(b, key));
    assert.deepEqual(
      onB.map((r) => r.status),
      [201, 201, 201, 201, 429, 429],
    );
    const refused = onB[4]!;
    const wait = Number(refused.headers['retry-after']);
    assert.ok(wait >= 1 && wait <= 60, `Retry-After: ${refused.headers['retry-after']}`);
    assert.deepEqual(JSON.parse(refused.body), {
      error: 'resource_exhausted',
      message: `this key may create 10 invites per minute: try again in ${wait} s`,
    });
    await b.app.syncCounters();
    await a.app.syncCounters();
    assert.equal((await create(a, key)).status, 429, 'A counts what B allowed');
    const err = await inviteClient(a)
      .createInvite({}, { headers: { authorization: `Bearer ${key}` } })
      .catch((e) => e);
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, Code.ResourceExhausted);
    assert.ok(Number(err.metadata.get('retry-after')) >= 1);
    assert.equal(await storedFor(key), 10, 'exactly the limit was created');
  });

  it('shares counts in the background, without anyone asking', async () => {
    await awayFromMinuteEnd(15);
    const key = await newKey(5);
    for (let i = 0; i < 5; i++) assert.equal((await create(a, key)).status, 201);
    let admittedByB = 0;
    let refusedByB = false;
    for (let i = 0; i < 40 && !refusedByB; i++) {
      const status = (await create(b, key)).status;
      if (status === 201) admittedByB++;
      refusedByB = status === 429;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(refusedByB, 'B refuses the key');
    assert.ok(admittedByB < 5, `B refused after allowing ${admittedByB} itself: it knew A's count`);
  });

  it('refuses a client address after 3 refused credentials in a minute, on both instances, even with a valid key', async () => {
    await awayFromMinuteEnd(15);
    const key = await newKey(100);
    const from = (address: string) => ({ 'x-forwarded-for': address });
    for (let i = 0; i < 3; i++) {
      assert.equal((await create(a, `AAAAAAAAAAAA/${'B'.repeat(36)}`, from('203.0.113.7'))).status, 401);
    }
    const blocked = await create(a, `AAAAAAAAAAAA/${'B'.repeat(36)}`, from('203.0.113.7'));
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers['retry-after']) >= 1);
    assert.match(JSON.parse(blocked.body).message, /too many refused credentials from your address: try again in \d+ s/);
    assert.equal(
      (await create(a, key, from('203.0.113.7'))).status,
      429,
      'a valid key from that address is refused too: guesses learn nothing',
    );
    assert.equal(
      (await request(a.url, { path: '/invites_api', headers: from('203.0.113.7') })).status,
      401,
      'no credential: not refused, not counted',
    );
    assert.equal((await create(a, key, from('203.0.113.8'))).status, 201, 'another address is not affected');
    const rpc = await adminClient(a)
      .listKeys({ host: 'example.com' }, { headers: { authorization: 'Bearer wrong-admin-token', ...from('203.0.113.7') } })
      .catch((e) => e);
    assert.equal((rpc as ConnectError).code, Code.ResourceExhausted, 'RPCs from that address are refused as well');

    await a.app.syncCounters();
    // B has never seen this address: it counts its own refusals first, then reads A's.
    assert.equal((await create(b, `AAAAAAAAAAAA/${'C'.repeat(36)}`, from('203.0.113.7'))).status, 401);
    await b.app.syncCounters();
    assert.equal((await create(b, key, from('203.0.113.7'))).status, 429, "B knows A's count");
  });

  it('counts wrong admin tokens on the RPCs too', async () => {
    await awayFromMinuteEnd(15);
    const headers = { authorization: 'Bearer not-the-admin-token', 'x-forwarded-for': '198.51.100.20' };
    const codes = [];
    for (let i = 0; i < 5; i++) {
      codes.push(
        await adminClient(a)
          .createKey({ host: 'example.com' }, { headers })
          .then(
            () => 'OK',
            (e: ConnectError) => Code[e.code],
          ),
      );
    }
    assert.deepEqual(codes, ['Unauthenticated', 'Unauthenticated', 'Unauthenticated', 'ResourceExhausted', 'ResourceExhausted']);
    assert.ok(await adminClient(a).listKeys({ host: 'example.com' }, admin()), 'the real admin, from another address, is not affected');
  });
});
