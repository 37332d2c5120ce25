import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { fileURLToPath } from 'node:url';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import { request } from '../support/http-request.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const PROTO_DIR = fileURLToPath(new URL('../../proto', import.meta.url));

describe('CreateInvite over every protocol on one port', function () {
  let server: TestServer;
  let key: string;

  before(async () => {
    server = await startTestServer();
    const admin = createClient(KeyAdmin, createGrpcTransport({ baseUrl: server.url }));
    key = (await admin.createKey({ host: 'localhost', name: 'rpc' }, { headers: { authorization: `Bearer ${server.adminToken}` } }))
      .fullKey;
  });
  after(async () => server.stop());

  const transports: Array<[string, () => Transport]> = [
    ['gRPC (h2c)', () => createGrpcTransport({ baseUrl: server.url })],
    ['gRPC-Web (HTTP/1.1)', () => createGrpcWebTransport({ baseUrl: server.url, httpVersion: '1.1' })],
    ['Connect (HTTP/1.1, JSON)', () => createConnectTransport({ baseUrl: server.url, httpVersion: '1.1', useBinaryFormat: false })],
    ['Connect (h2c, binary)', () => createConnectTransport({ baseUrl: server.url, httpVersion: '2' })],
  ];

  for (const [name, makeTransport] of transports) {
    it(`creates a stored invite over ${name}, and refuses a bad key with Unauthenticated`, async () => {
      const client = createClient(InviteService, makeTransport());
      const { invite } = await client.createInvite({}, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(invite?.host, 'localhost');
      assert.equal(invite?.landingPageUrl, `http://localhost:8080/invite?${invite?.token}`);
      const doc = await server.database.client
        .db(server.database.name)
        .collection('invites')
        .findOne({ _id: invite!.token as never });
      assert.ok(doc, 'stored');
      const err = await client.createInvite({}, { headers: { authorization: 'Bearer nope' } }).catch((e: unknown) => e);
      assert.ok(err instanceof ConnectError);
      assert.equal(err.code, Code.Unauthenticated);
    });
  }

  it('serves @grpc/grpc-js, a client not written here', async () => {
    const definition = protoLoader.loadSync('invites/v1/invite_service.proto', {
      includeDirs: [PROTO_DIR],
      longs: String,
      enums: String,
      defaults: true,
    });
    const pkg = grpc.loadPackageDefinition(definition) as any;
    const client = new pkg.invites.v1.InviteService(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    try {
      const call = (metadata: grpc.Metadata) =>
        new Promise<any>((resolve, reject) =>
          client.CreateInvite({}, metadata, (err: grpc.ServiceError | null, res: any) => (err ? reject(err) : resolve(res))),
        );
      const ok = new grpc.Metadata();
      ok.set('authorization', `Bearer ${key}`);
      const res = await call(ok);
      assert.match(res.invite.token, /^[A-Za-z0-9_-]{24}$/);
      assert.equal(res.invite.type, 'INVITE_TYPE_REGISTER');
      assert.equal(res.invite.uri, `xmpp:localhost?register;preauth=${res.invite.token}`);
      const err = await call(new grpc.Metadata()).catch((e: grpc.ServiceError) => e);
      assert.equal(err.code, grpc.status.UNAUTHENTICATED);
    } finally {
      client.close();
    }
  });

  it('serves the read RPCs to a Connect client over HTTP GET (they have no side effects)', async () => {
    const bearer = { headers: { authorization: `Bearer ${key}` } };
    const { invite: created } = await createClient(
      InviteService,
      createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }),
    ).createInvite({}, bearer);
    const token = created!.token;
    const before = server.logs.length;
    const client = createClient(InviteService, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1', useHttpGet: true }));
    const { invite } = await client.getInvite({ token });
    assert.equal(invite?.token, token);
    assert.equal(invite?.host, 'localhost');
    assert.equal(invite?.remainingUses, 1);
    const { invites } = await client.listInvites({}, bearer);
    assert.ok(
      invites.some((i) => i.token === token),
      'the key lists the invite it created',
    );
    await new Promise((r) => setTimeout(r, 50)); // each request line is written when its response ends
    const calls = server.logs
      .slice(before)
      .map((l) => JSON.parse(l) as { msg: string; method: string; route: string; status: number })
      .filter((l) => l.msg === 'request')
      .map(({ method, route, status }) => ({ method, route, status }));
    assert.deepEqual(calls, [
      { method: 'GET', route: '/invites.v1.InviteService/GetInvite', status: 200 },
      { method: 'GET', route: '/invites.v1.InviteService/ListInvites', status: 200 },
    ]);
    // The URL a cache or a browser sees: the request message in the query.
    const message = encodeURIComponent(JSON.stringify({ token }));
    const res = await fetch(`${server.url}/invites.v1.InviteService/GetInvite?connect=v1&encoding=json&message=${message}`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { invite: { token: string } }).invite.token, token);
  });

  it('keeps 50 parallel creates apart: 50 distinct tokens, all stored', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => request(server.url, { path: '/invites_api', headers: { authorization: `Bearer ${key}` } })),
    );
    assert.deepEqual([...new Set(results.map((r) => r.status))], [201]);
    const tokens = new Set(results.map((r) => String(r.headers.location).split('?')[1]));
    assert.equal(tokens.size, 50);
    const stored = await server.database.client
      .db(server.database.name)
      .collection('invites')
      .countDocuments({ _id: { $in: [...tokens] as never[] } });
    assert.equal(stored, 50);
  });
});
