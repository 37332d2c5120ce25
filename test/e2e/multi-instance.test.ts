import assert from 'node:assert/strict';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import { request } from '../support/http-request.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('two server instances on one database', function () {
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    a = await startTestServer();
    b = await startTestServer({ INVITES_ADMIN_TOKEN: a.adminToken }, { database: a.database });
  });
  after(async () => {
    await b.stop();
    await a.stop();
  });

  it('a key made on one works on the other, and a key deleted on one stops working on the other within 1 s', async () => {
    const admin = createClient(KeyAdmin, createConnectTransport({ baseUrl: a.url, httpVersion: '1.1' }));
    const opts = { headers: { authorization: `Bearer ${a.adminToken}` } };
    const { fullKey, key } = await admin.createKey({ host: 'example.com' }, opts);
    const viaB = () => request(b.url, { path: `/invites_api?key=${fullKey}` });
    assert.equal((await viaB()).status, 201, 'B sees the new key (no stale negative cache after creation)');
    await admin.deleteKey({ host: 'example.com', id: key!.id }, opts);
    assert.equal((await request(a.url, { path: `/invites_api?key=${fullKey}` })).status, 401, 'A refuses it at once');
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await viaB()).status, 401, 'B refuses it after 1 s');
  });
});
