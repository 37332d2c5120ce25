import assert from 'node:assert/strict';
import { request } from '../support/http-request.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// A key's ceilings and max_valid_invites on the plain API, and a host's per-user quota on the
// Connect JSON call the Prosody module makes, through the real server and database.
describe('quotas and ceilings through the real server', function () {
  this.timeout(120_000);
  let server: TestServer;
  before(async () => {
    server = await startTestServer(
      {},
      {
        configFile: [
          'hosts:',
          '  - name: example.com',
          '    publicBaseUrl: https://example.com',
          '    userInviteQuota: { count: 2, period: 7d }',
          '  - name: other.example',
          '    publicBaseUrl: https://other.example',
        ].join('\n'),
      },
    );
  });
  after(async () => server?.stop());

  const rpc = (method: string, body: unknown, credential = server.adminToken) =>
    fetch(`${server.url}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
      body: JSON.stringify(body),
    });
  const newKey = async (limits: Record<string, unknown>) => {
    const res = await rpc('invites.v1.KeyAdmin/CreateKey', { host: 'example.com', rateLimitPerMinute: 1000, ...limits });
    assert.equal(res.status, 200);
    return ((await res.json()) as { fullKey: string }).fullKey;
  };
  const plainCreate = (key: string, query = '') => request(server.url, { path: `/invites_api?key=${encodeURIComponent(key)}${query}` });

  it('GET /invites_api: 429 naming the limit once a key holds max_valid_invites, 400 over a ceiling; nothing created', async () => {
    const key = await newKey({ maxValidInvites: 2, maxUsesCeiling: 3 });
    const over = await plainCreate(key, '&uses=5');
    assert.equal(over.status, 400);
    assert.match(over.body, /max_uses 5 is above this key's ceiling of 3/);
    const first = await plainCreate(key);
    assert.equal(first.status, 201, first.body);
    assert.equal((await plainCreate(key, '&uses=3')).status, 201);
    const full = await plainCreate(key);
    assert.equal(full.status, 429);
    assert.match(full.body, /this key may hold at most 2 valid invites at once/);
    const stored = await server.database.client
      .db(server.database.name)
      .collection('invites')
      .countDocuments({ keyId: key.split('/')[0] });
    assert.equal(stored, 2);
  });

  it('limits invites made on behalf of one user per period (userInviteQuota from the hosts config): 429 with Retry-After', async () => {
    const key = await newKey({});
    const forAlice = () => rpc('invites.v1.InviteService/CreateInvite', { type: 'INVITE_TYPE_ROSTER', inviter: 'alice' }, key);
    assert.equal((await forAlice()).status, 200);
    assert.equal((await forAlice()).status, 200);
    const third = await forAlice();
    assert.equal(third.status, 429);
    assert.match(((await third.json()) as { message: string }).message, /alice may create 2 invites per 7d on example.com/);
    assert.ok(Number(third.headers.get('retry-after')) > 0);
  });
});
