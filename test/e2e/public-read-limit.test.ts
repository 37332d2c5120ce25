import assert from 'node:assert/strict';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { request } from '../support/http-request.js';
import { awayFromMinuteEnd } from '../support/rate-limit-window.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const LIMIT = 4;

describe('invite views limited per client address (GetInvite + landing page), shared by two instances', function () {
  let a: TestServer;
  let b: TestServer;
  let token: string;
  before(async () => {
    const env = { INVITES_PUBLIC_READ_LIMIT: String(LIMIT), INVITES_TRUSTED_PROXIES: 'loopback', INVITES_RATE_LIMIT_SYNC: '100ms' };
    a = await startTestServer(env);
    b = await startTestServer({ ...env, INVITES_ADMIN_TOKEN: a.adminToken }, { database: a.database });
    const { invite } = await createClient(InviteService, createConnectTransport({ baseUrl: a.url, httpVersion: '1.1' })).createInvite(
      { host: 'example.com' },
      { headers: { authorization: `Bearer ${a.adminToken}` } },
    );
    token = invite!.token;
  });
  after(async () => {
    await b.stop();
    await a.stop();
  });
  const from = (address: string) => ({ 'x-forwarded-for': address });
  const getInvite = (s: TestServer, address: string) =>
    createClient(InviteService, createConnectTransport({ baseUrl: s.url, httpVersion: '1.1' }))
      .getInvite({ token }, { headers: from(address) })
      .then(
        (r) => r.invite?.status,
        (e: unknown) => e,
      );
  const page = (s: TestServer, address: string) => request(s.url, { path: `/invite?${token}`, headers: from(address) });

  it('answers GetInvite its limit, then ResourceExhausted saying when to retry; other addresses unaffected', async () => {
    await awayFromMinuteEnd(15);
    for (let i = 0; i < LIMIT; i++) assert.ok(!((await getInvite(a, '198.51.100.1')) instanceof Error), `view ${i + 1}`);
    const err = await getInvite(a, '198.51.100.1');
    assert.ok(err instanceof ConnectError, String(err));
    assert.equal(err.code, Code.ResourceExhausted);
    assert.match(err.rawMessage, /^your address may view 4 invites per minute: try again in \d+ s$/);
    assert.ok(Number(err.metadata.get('retry-after')) >= 1);
    assert.ok(!((await getInvite(a, '198.51.100.2')) instanceof Error), 'another address still gets the invite');
  });

  it('does not count GetInvite with a valid key (a registration server checking tokens), and refuses a wrong one', async () => {
    await awayFromMinuteEnd(15);
    const client = createClient(InviteService, createConnectTransport({ baseUrl: a.url, httpVersion: '1.1' }));
    const keyed = { headers: { ...from('198.51.100.5'), authorization: `Bearer ${a.adminToken}` } };
    for (let i = 0; i < LIMIT * 3; i++) assert.equal((await client.getInvite({ token }, keyed)).detail?.token, token, `view ${i + 1}`);
    const wrong = { headers: { ...from('198.51.100.6'), authorization: 'Bearer wrong-admin-token-0123456789' } };
    await assert.rejects(client.getInvite({ token }, wrong), (e: unknown) => e instanceof ConnectError && e.code === Code.Unauthenticated);
  });

  it('answers the landing page its limit, then a 429 HTML page with Retry-After', async () => {
    await awayFromMinuteEnd(15);
    for (let i = 0; i < LIMIT; i++) assert.equal((await page(a, '198.51.100.3')).status, 200, `view ${i + 1}`);
    const refused = await page(a, '198.51.100.3');
    assert.equal(refused.status, 429);
    assert.match(String(refused.headers['content-type']), /^text\/html/);
    assert.match(refused.body, /try again/i);
    const wait = Number(refused.headers['retry-after']);
    assert.ok(wait >= 1 && wait <= 60, `Retry-After: ${refused.headers['retry-after']}`);
    assert.equal((await page(a, '198.51.100.4')).status, 200, 'another address still sees the page');
  });

  it('counts GetInvite and the landing page together, across both instances', async () => {
    await awayFromMinuteEnd(15);
    const address = '198.51.100.5';
    assert.ok(!((await getInvite(a, address)) instanceof Error));
    assert.equal((await page(a, address)).status, 200);
    // B reads the others' counts of the addresses it has seen (as for refused credentials).
    assert.ok(!((await getInvite(b, address)) instanceof Error));
    await a.app.syncCounters();
    await b.app.syncCounters();
    assert.equal((await page(b, address)).status, 200);
    assert.equal((await page(b, address)).status, 429, 'B counts what A allowed');
    const err = await getInvite(b, address);
    assert.ok(err instanceof ConnectError && err.code === Code.ResourceExhausted, String(err));
  });
});
