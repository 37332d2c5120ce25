import assert from 'node:assert/strict';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import { request } from '../support/http-request.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('GET /invite?TOKEN, the landing page, over real HTTP', function () {
  let server: TestServer;
  let fullKey: string;
  let invites: ReturnType<typeof createClient<typeof InviteService>>;
  let key: { headers: { authorization: string } };

  before(async () => {
    server = await startTestServer();
    const admin = { headers: { authorization: `Bearer ${server.adminToken}` } };
    const transport = createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' });
    fullKey = (await createClient(KeyAdmin, transport).createKey({ host: 'example.com' }, admin)).fullKey;
    key = { headers: { authorization: `Bearer ${fullKey}` } };
    invites = createClient(InviteService, transport);
  });
  after(async () => server.stop());

  const get = (path: string, method = 'GET') => request(server.url, { method, path });

  it('serves the page the Location of /invites_api points to, with headers that keep the token in it', async () => {
    const created = await request(server.url, { path: `/invites_api?key=${fullKey}` });
    const location = new URL(String(created.headers.location));
    assert.equal(location.origin, 'https://example.com');
    const res = await get(`${location.pathname}${location.search}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers.vary, 'User-Agent', "the apps are ordered for the visitor's device");
    assert.match(
      String(res.headers['content-security-policy']),
      /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'$/,
    );
    const token = location.search.slice(1);
    assert.ok(res.body.includes(`href="xmpp:example.com?register;preauth=${token}"`));
    assert.match(res.body, /<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  });

  it('says how many more accounts a group invite can register', async () => {
    const { invite } = await invites.createInvite({ maxUses: 4 }, key);
    await invites.redeemInvite({ token: invite!.token, account: 'alice' }, key);
    assert.match((await get(`/invite?${invite!.token}`)).body, /It can register 3 more accounts\./);
  });

  it('answers HEAD with the headers and no body, and other methods with 405', async () => {
    const { invite } = await invites.createInvite({}, key);
    const head = await get(`/invite?${invite!.token}`, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.ok(Number(head.headers['content-length']) > 1000);
    const post = await get(`/invite?${invite!.token}`, 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
  });

  it('answers used-up and revoked invites with 410 and a page saying which', async () => {
    const used = (await invites.createInvite({}, key)).invite!.token;
    await invites.redeemInvite({ token: used, account: 'alice' }, key);
    const usedPage = await get(`/invite?${used}`);
    assert.equal(usedPage.status, 410);
    assert.match(usedPage.body, /<h1>This invite has already been used<\/h1>/);
    assert.ok(!usedPage.body.includes('xmpp:'), 'no link to a dead invite');
    const revoked = (await invites.createInvite({}, key)).invite!.token;
    await invites.revokeInvite({ token: revoked }, key);
    const revokedPage = await get(`/invite?${revoked}`);
    assert.equal(revokedPage.status, 410);
    assert.match(revokedPage.body, /<h1>This invite was withdrawn<\/h1>/);
    assert.equal(revokedPage.headers['referrer-policy'], 'no-referrer');
  });

  it('keeps the invite token out of the request log', async () => {
    const { invite } = await invites.createInvite({}, key);
    assert.equal((await get(`/invite?${invite!.token}`)).status, 200);
    const logs = server.logs.join('\n');
    assert.match(logs, /"route":"\/invite"/, 'landing page requests are logged');
    assert.ok(!logs.includes(invite!.token), 'the token is not');
  });

  it('answers unknown, missing and garbage tokens with the 404 page, reflecting none of it', async () => {
    for (const path of [
      '/invite?AAAAAAAAAAAAAAAAAAAAAAAA',
      '/invite',
      '/invite?',
      '/invite?%3Cscript%3Ealert(1)%3C/script%3E',
      '/invite?<b>x</b>',
    ]) {
      const res = await get(path);
      assert.equal(res.status, 404, path);
      assert.match(res.body, /<h1>Invite not found<\/h1>/);
      assert.ok(!res.body.includes('script') && !res.body.includes('<b>'), path);
      assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    }
  });
});
