import assert from 'node:assert/strict';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import { request, rawExchange, type RawResponse } from '../support/http-request.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const INVALID = 'Bearer realm="invites", error="invalid_token"';

describe('GET /invites_api over real HTTP (Prosody-compatible)', function () {
  let server: TestServer;
  let key: string;
  let keyId: string;

  before(async () => {
    server = await startTestServer();
    const admin = createClient(KeyAdmin, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }));
    const created = await admin.createKey(
      { host: 'example.com', name: 'My test key' },
      { headers: { authorization: `Bearer ${server.adminToken}` } },
    );
    key = created.fullKey;
    keyId = created.key!.id;
  });
  after(async () => server.stop());

  const get = (path: string, headers: Record<string, string> = {}) => request(server.url, { path, headers });
  const tokenOf = (res: RawResponse) => /^https:\/\/example\.com\/invite\?([A-Za-z0-9_-]{24})$/.exec(String(res.headers.location))?.[1];
  const invitesInDb = () =>
    server.database.client
      .db(server.database.name)
      .collection('invites')
      .countDocuments({ host: { $exists: true } }); // invites, not their index entries

  async function assertStored(res: RawResponse) {
    const token = tokenOf(res);
    assert.ok(token, `Location is an invite page: ${res.headers.location}`);
    const doc = await server.database.client
      .db(server.database.name)
      .collection('invites')
      .findOne({ _id: token as never });
    assert.ok(doc, 'the invite is in the database');
    assert.equal(doc.host, 'example.com');
    assert.equal(doc.source, `api/token/${keyId}`);
  }

  it('answers 201 Created with the landing page in Location and an empty body (key in ?key=)', async () => {
    const res = await get(`/invites_api?key=${key}`);
    assert.equal(res.status, 201);
    assert.equal(res.body, '');
    await assertStored(res);
  });

  it('takes the key with %2F for the slash', async () => {
    const res = await get(`/invites_api?key=${key.replace('/', '%2F')}`);
    assert.equal(res.status, 201);
    await assertStored(res);
  });

  it('takes the key in Authorization: Bearer with no query string at all', async () => {
    const res = await get('/invites_api', { authorization: `Bearer ${key}` });
    assert.equal(res.status, 201);
    await assertStored(res);
  });

  it('lets the header win over the query key', async () => {
    const wins = await get('/invites_api?key=AAAAAAAAAAAA/' + 'A'.repeat(36), { authorization: `Bearer ${key}` });
    assert.equal(wins.status, 201);
    const loses = await get(`/invites_api?key=${key}`, { authorization: 'Bearer AAAAAAAAAAAA/' + 'A'.repeat(36) });
    assert.equal(loses.status, 401);
  });

  it('describes the invite in JSON when asked with Accept: application/json', async () => {
    const res = await get(`/invites_api?key=${key}`, { accept: 'application/json' });
    assert.equal(res.status, 201);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const body = JSON.parse(res.body);
    assert.equal(body.host, 'example.com');
    assert.equal(body.landingPageUrl, res.headers.location);
    assert.equal(body.uri, `xmpp:example.com?register;preauth=${body.token}`);
    assert.equal(body.type, 'INVITE_TYPE_REGISTER');
    assert.equal(body.source, `api/token/${keyId}`);
    assert.equal(Date.parse(body.expireTime) - Date.parse(body.createTime), 7 * 86400 * 1000);
  });

  for (const value of ['true', '', '1', 'yes', 'TRUE']) {
    it(`redirects with 303 See Other for redirect=${value || '(bare)'}`, async () => {
      const res = await get(`/invites_api?key=${key}&${value === '' ? 'redirect' : `redirect=${value}`}`);
      assert.equal(res.status, 303);
      await assertStored(res);
    });
  }

  for (const value of ['false', '0', 'no']) {
    it(`answers 201 for redirect=${value}`, async () => {
      const res = await get(`/invites_api?key=${key}&redirect=${value}`);
      assert.equal(res.status, 201);
    });
  }

  it('refuses an unknown redirect value with 400 and creates nothing', async () => {
    const before = await invitesInDb();
    const res = await get(`/invites_api?key=${key}&redirect=maybe`);
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.body).error, 'invalid_argument');
    assert.match(JSON.parse(res.body).message, /redirect/);
    assert.equal(await invitesInDb(), before);
  });

  it('answers 401 with a plain Bearer challenge when no key is sent', async () => {
    for (const path of ['/invites_api', '/invites_api?key=', '/invites_api?redirect=true']) {
      const res = await get(path);
      assert.equal(res.status, 401, path);
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="invites"');
      const body = JSON.parse(res.body);
      assert.equal(body.error, 'unauthenticated');
      assert.match(body.message, /API key is required/);
    }
  });

  it('answers the same 401 invalid_token for malformed, unknown and wrong keys, and a non-Bearer header', async () => {
    const [id, secret] = key.split('/') as [string, string];
    const cases: Array<[string, Record<string, string>]> = [
      ['/invites_api?key=garbage', {}],
      [`/invites_api?key=${id}`, {}],
      [`/invites_api?key=AAAAAAAAAAAA/${secret}`, {}],
      [`/invites_api?key=${id}/${'B'.repeat(36)}`, {}],
      [`/invites_api?key=${key}`, { authorization: `Basic ${Buffer.from(key).toString('base64')}` }],
      [`/invites_api?key=${key}`, { authorization: 'Bearer' }],
      ['/invites_api', { authorization: `Token ${key}` }],
    ];
    const bodies = new Set<string>();
    for (const [path, headers] of cases) {
      const res = await get(path, headers);
      assert.equal(res.status, 401, `${path} ${JSON.stringify(headers)}`);
      assert.equal(res.headers['www-authenticate'], INVALID);
      bodies.add(res.body);
    }
    assert.equal(bodies.size, 1);
    assert.equal(JSON.parse([...bodies][0]!).error, 'invalid_token');
  });

  it('refuses the admin token in ?key= (it would land in history and proxy logs) and takes it in the header', async () => {
    const before = await invitesInDb();
    const res = await get(`/invites_api?key=${encodeURIComponent(server.adminToken)}&host=example.com`);
    assert.equal(res.status, 401);
    assert.match(JSON.parse(res.body).message, /send the admin token as "Authorization: Bearer TOKEN"/);
    assert.equal(await invitesInDb(), before, 'nothing was created');
    assert.equal((await get('/invites_api?host=example.com', { authorization: `Bearer ${server.adminToken}` })).status, 201);
  });

  it('stops taking a deleted key at once', async () => {
    const admin = createClient(KeyAdmin, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }));
    const opts = { headers: { authorization: `Bearer ${server.adminToken}` } };
    const { fullKey, key: record } = await admin.createKey({ host: 'example.com' }, opts);
    assert.equal((await get(`/invites_api?key=${fullKey}`)).status, 201);
    await admin.deleteKey({ host: 'example.com', id: record!.id }, opts);
    const res = await get(`/invites_api?key=${fullKey}`);
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], INVALID);
  });

  it('puts CORS headers on every response, echoing the Origin', async () => {
    for (const [path, headers] of [
      [`/invites_api?key=${key}`, { origin: 'https://dash.example.com' }],
      ['/invites_api?key=bad', { origin: 'https://dash.example.com' }],
    ] as const) {
      const res = await get(path, headers);
      assert.equal(res.headers['access-control-allow-origin'], 'https://dash.example.com');
      assert.match(String(res.headers.vary), /Origin/);
      assert.equal(res.headers['access-control-allow-methods'], 'GET, POST, OPTIONS');
      assert.equal(res.headers['access-control-allow-headers'], 'Content-Type, Authorization');
      assert.equal(res.headers['access-control-max-age'], '7200');
      assert.equal(res.headers['access-control-expose-headers'], 'Location');
    }
    const bare = await get(`/invites_api?key=${key}`);
    assert.equal(bare.headers['access-control-allow-origin'], '*');
    assert.equal(bare.headers.vary, undefined);
  });

  it('answers a preflight OPTIONS with 204 and no key', async () => {
    const before = await invitesInDb();
    const res = await request(server.url, {
      method: 'OPTIONS',
      path: '/invites_api',
      headers: {
        origin: 'https://dash.example.com',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], 'https://dash.example.com');
    assert.equal(res.headers['access-control-allow-headers'], 'Content-Type, Authorization');
    assert.equal(await invitesInDb(), before);
  });

  it('works from a browser-style fetch with the key in the header', async () => {
    const res = await fetch(`${server.url}/invites_api`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, origin: 'https://x.test' },
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://x.test');
  });

  it('takes POST like GET', async () => {
    const res = await request(server.url, {
      method: 'POST',
      path: `/invites_api?key=${key}&redirect=1`,
      body: 'ignored=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(res.status, 303);
    await assertStored(res);
  });

  for (const method of ['HEAD', 'PUT', 'DELETE', 'PATCH']) {
    it(`answers ${method} with 405 and Allow`, async () => {
      const before = await invitesInDb();
      const res = await request(server.url, { method, path: `/invites_api?key=${key}` });
      assert.equal(res.status, 405);
      assert.equal(res.headers.allow, 'GET, POST, OPTIONS');
      assert.equal(await invitesInDb(), before);
    });
  }

  it('answers other paths with 404 JSON', async () => {
    const res = await get('/nope?key=x');
    assert.equal(res.status, 404);
    assert.equal(JSON.parse(res.body).error, 'not_found');
  });

  it('answers a request head over 16 KiB with 431, promptly', async () => {
    const started = Date.now();
    const out = await rawExchange(
      server.port,
      `GET /invites_api?key=${key} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`,
    );
    assert.match(out, /^HTTP\/1\.1 431 /);
    assert.match(out, /"error":"request_header_fields_too_large"/);
    assert.ok(Date.now() - started < 2000, 'answered without waiting for a timeout');
    const longUrl = await rawExchange(server.port, `GET /invites_api?key=${key}&pad=${'b'.repeat(17 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.match(longUrl, /^HTTP\/1\.1 431 /);
  });

  it('never answers a client mistake with a 5xx', async () => {
    const paths = [
      '/invites_api?key=%E0%A4%A',
      '/invites_api?key=%ZZ',
      '/invites_api?key[$ne]=1',
      '/invites_api?key=a&key=b',
      '/invites_api?redirect=%00',
      `/invites_api?key=${'x'.repeat(5000)}`,
    ];
    for (const path of paths) {
      const res = await get(path);
      assert.ok(res.status >= 400 && res.status < 500, `${path} → ${res.status}`);
    }
  });

  it('keeps keys out of the logs', async () => {
    await get(`/invites_api?key=${key}`);
    const secret = key.split('/')[1]!;
    const logs = server.logs.join('\n');
    assert.match(logs, /invites_api/, 'requests are logged');
    assert.ok(!logs.includes(secret), 'the secret is not logged');
    assert.ok(!logs.includes(server.adminToken), 'the admin token is not logged');
  });
});
