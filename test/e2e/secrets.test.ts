import assert from 'node:assert/strict';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { BSON, EJSON } from 'bson';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import { request } from '../support/http-request.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// Every secret this test uses, right or wrong, must stay out of the logs (at the most verbose
// level), out of every response it did not create, and out of the database in any form.
describe('secrets never leak into logs, responses or the database', function () {
  let server: TestServer;
  before(async () => (server = await startTestServer({ LOG_LEVEL: 'trace', INVITES_TRUSTED_PROXIES: 'loopback' })));
  after(async () => server.stop());

  it('keeps API keys (also rotated ones), wrong guesses and the admin token out of logs, answers and the database', async () => {
    const secrets: string[] = [server.adminToken];
    const answers: string[] = [];
    const admin = createClient(KeyAdmin, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }));
    const asAdmin = { headers: { authorization: `Bearer ${server.adminToken}` } };
    const a = await admin.createKey({ host: 'example.com', name: 'query key', expiresIn: { seconds: 86400n } }, asAdmin);
    const b = await admin.createKey({ host: 'example.com', name: 'header key', rateLimitPerMinute: 2 }, asAdmin);
    const [idA, secretA] = a.fullKey.split('/') as [string, string];
    const secretB = b.fullKey.split('/')[1]!;
    const wrong = 'W'.repeat(36);
    secrets.push(secretA, secretB, wrong, 'not-the-admin-token-but-secret-looking');

    const get = async (path: string, headers: Record<string, string> = {}) => {
      const res = await request(server.url, { path, headers });
      answers.push(JSON.stringify(res.headers), res.body);
      return res;
    };
    // Every way a key can arrive, valid or not, including spellings of the parameter name.
    assert.equal((await get(`/invites_api?key=${a.fullKey}`)).status, 201);
    assert.equal((await get(`/invites_api?key=${idA}%2F${secretA}&redirect=true`)).status, 303);
    assert.equal((await get(`/invites_api?%6Bey=${a.fullKey}`)).status, 201, 'an encoded parameter name is still the key');
    assert.equal((await get(`/invites_api?key=${a.fullKey}&redirect=maybe`)).status, 400);
    assert.equal((await get(`/invites_api?key=${idA}/${wrong}`)).status, 401);
    assert.equal((await get(`/invites_api?KEY=${idA}/${wrong}&key=${idA}/${wrong}`)).status, 401);
    assert.equal((await get(`/invites_api?key=${idA}/${wrong}`, { 'x-forwarded-for': `${wrong}` })).status, 401);
    assert.equal((await get('/invites_api', { authorization: `Bearer ${b.fullKey}` })).status, 201);
    assert.equal((await get('/invites_api', { authorization: `Basic ${secretB}` })).status, 401);
    await get('/invites_api', { authorization: `Bearer ${b.fullKey}` });
    assert.equal((await get('/invites_api', { authorization: `Bearer ${b.fullKey}` })).status, 429, 'rate limited');
    assert.equal((await get(`/no/such/path?key=${a.fullKey}`)).status, 404);
    const grpc = createClient(InviteService, createGrpcTransport({ baseUrl: server.url }));
    await grpc.createInvite({}, { headers: { authorization: `Bearer ${a.fullKey}` } });
    const refused = await grpc.createInvite({}, { headers: { authorization: `Bearer ${idA}/${wrong}` } }).catch((e) => e);
    answers.push(String(refused));
    const badAdmin = await admin
      .listKeys({ host: 'example.com' }, { headers: { authorization: 'Bearer not-the-admin-token-but-secret-looking' } })
      .catch((e) => e);
    answers.push(String(badAdmin));

    const rotated = await admin.rotateKey({ host: 'example.com', id: idA }, asAdmin);
    const newSecretA = rotated.fullKey.split('/')[1]!;
    secrets.push(newSecretA);
    assert.equal((await get(`/invites_api?key=${rotated.fullKey}`)).status, 201);
    assert.equal((await get(`/invites_api?key=${a.fullKey}`)).status, 401, 'the old secret is dead');
    await admin.disableKey({ host: 'example.com', id: idA }, asAdmin);
    assert.equal((await get(`/invites_api?key=${rotated.fullKey}`)).status, 401);
    answers.push(
      JSON.stringify((await admin.listKeys({ host: 'example.com' }, asAdmin)).keys, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
    );
    answers.push(JSON.stringify((await admin.listAudit({}, asAdmin)).events, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
    await server.app.syncCounters();

    const logs = server.logs.join('\n');
    assert.ok(server.logs.length > 15, 'there are logs to search');
    assert.ok(server.logs.filter((l) => l.includes('/invites_api')).length >= 10, 'every request has its log line');
    const db = server.database.client.db(server.database.name);
    const documents = [];
    for (const { name } of await db.listCollections().toArray()) documents.push(...(await db.collection(name).find().toArray()));
    assert.ok(documents.length > 10);
    const text = EJSON.stringify(documents);
    const bytes = Buffer.concat(documents.map((d) => Buffer.from(BSON.serialize(d))));
    for (const secret of secrets) {
      assert.ok(!logs.includes(secret), `a secret is in the logs: ${secret.slice(0, 4)}…`);
      assert.ok(!answers.some((s) => s.includes(secret)), `a secret is in an answer: ${secret.slice(0, 4)}…`);
      assert.ok(!text.includes(secret) && !bytes.includes(Buffer.from(secret)), `a secret is in the database: ${secret.slice(0, 4)}…`);
    }
  });
});
