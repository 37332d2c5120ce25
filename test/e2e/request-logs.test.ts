import assert from 'node:assert/strict';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import { request } from '../support/http-request.js';
import { spawnServer } from '../support/server-process.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

interface RequestLine {
  msg: string;
  method: string;
  route: string;
  protocol: string;
  status: number;
  code?: string;
  ms: number;
  keyId?: string;
}

describe('request logs', function () {
  let server: TestServer;
  let key: string;
  let keyId: string;
  before(async () => {
    server = await startTestServer();
    const created = await createClient(KeyAdmin, createGrpcTransport({ baseUrl: server.url })).createKey(
      { host: 'localhost', name: 'logs' },
      { headers: { authorization: `Bearer ${server.adminToken}` } },
    );
    key = created.fullKey;
    keyId = created.key!.id;
  });
  after(async () => server.stop());

  /** The request lines logged while `action` ran (each is written when its response ends). */
  async function linesDuring(action: () => Promise<unknown>): Promise<RequestLine[]> {
    const before = server.logs.length;
    await action();
    await new Promise((r) => setTimeout(r, 50));
    return server.logs
      .slice(before)
      .map((l) => JSON.parse(l) as RequestLine)
      .filter((l) => l.msg === 'request');
  }

  it('GET /invites_api: one JSON line with method, route without the query, status, duration and key id', async () => {
    const lines = await linesDuring(() => request(server.url, { path: `/invites_api?key=${encodeURIComponent(key)}&redirect=true` }));
    assert.equal(lines.length, 1);
    const { method, route, protocol, status, ms, keyId: id, code } = lines[0]!;
    assert.deepEqual(
      { method, route, protocol, status, keyId: id, code },
      { method: 'GET', route: '/invites_api', protocol: 'http', status: 303, keyId, code: undefined },
    );
    assert.equal(typeof ms, 'number');
    assert.ok(ms >= 0);
  });

  it('gRPC and Connect calls: the RPC route, its code and the key id; a refused key logs no id', async () => {
    const lines = await linesDuring(async () => {
      await createClient(InviteService, createGrpcTransport({ baseUrl: server.url })).createInvite(
        {},
        { headers: { authorization: `Bearer ${key}` } },
      );
      const err = await createClient(InviteService, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }))
        .createInvite({}, { headers: { authorization: `Bearer ${keyId}/wrong-secret-wrong-secret-wrong-secret-xx` } })
        .catch((e: unknown) => e);
      assert.ok(err instanceof ConnectError && err.code === Code.Unauthenticated);
    });
    assert.deepEqual(
      lines.map(({ method, route, protocol, status, code, keyId: id }) => ({ method, route, protocol, status, code, keyId: id })),
      [
        { method: 'POST', route: '/invites.v1.InviteService/CreateInvite', protocol: 'grpc', status: 200, code: 'ok', keyId },
        {
          method: 'POST',
          route: '/invites.v1.InviteService/CreateInvite',
          protocol: 'connect',
          status: 401,
          code: 'unauthenticated',
          keyId: undefined,
        },
      ],
    );
  });

  it('unknown paths are logged without the path (it might hold a key)', async () => {
    const lines = await linesDuring(() => request(server.url, { path: `/invites_api/${key}` }));
    assert.deepEqual(
      lines.map((l) => [l.route, l.status]),
      [['(unmatched)', 404]],
    );
  });

  it('never hold a secret: not the API key secret, not the admin token, not a query string', async () => {
    const all = server.logs.join('\n');
    assert.ok(all.includes(keyId), 'key ids are logged');
    assert.ok(!all.includes(key.split('/')[1]!), 'the key secret is not');
    assert.ok(!all.includes(server.adminToken), 'the admin token is not');
    assert.ok(!all.includes('redirect=true'), 'queries are not');
  });

  it("take their level from the configuration (LOG_LEVEL=debug adds the embedded database's lines)", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'invites-loglevel-'));
    try {
      for (const [level, expectDebug] of [
        ['debug', true],
        ['info', false],
      ] as const) {
        const proc = await spawnServer({ INVITES_DATA_DIR: dataDir, LOG_LEVEL: level });
        proc.child.kill('SIGTERM');
        assert.equal(await proc.exited, 0);
        const levels = proc
          .output()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => (JSON.parse(l) as { level: number }).level);
        assert.equal(levels.includes(20), expectDebug, `LOG_LEVEL=${level}: debug lines ${expectDebug ? 'present' : 'absent'}`);
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
