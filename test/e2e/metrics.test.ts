import assert from 'node:assert/strict';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import http2 from 'node:http2';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import { codeName } from '../../server/transport/error-codes.js';
import { request } from '../support/http-request.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** The value of one series in a Prometheus text exposition, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrape(server: TestServer): Promise<string> {
  const res = await request(server.url, { path: '/metrics' });
  assert.equal(res.status, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return res.body;
}

/** A gRPC call whose message is not valid protobuf: it fails before any handler runs. */
function grpcGarbage(port: number, path: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
    let status: string | undefined;
    stream.on('trailers', (t) => (status = String(t['grpc-status'])));
    stream.on('data', () => {});
    stream.on('end', () => {
      session.close();
      resolve(status);
    });
    stream.on('error', reject);
    // One length-prefixed message of 3 bytes that are not a valid protobuf encoding.
    stream.end(Buffer.from([0, 0, 0, 0, 3, 0xff, 0xff, 0xff]));
  });
}

describe('Prometheus metrics', function () {
  let server: TestServer;
  let other: TestServer;
  before(async () => {
    server = await startTestServer();
    other = await startTestServer();
  });
  after(async () => {
    await server.stop();
    await other.stop();
  });

  it('count requests by RPC and code, plain routes by status, invites and keys by host', async () => {
    const transport = createGrpcTransport({ baseUrl: server.url });
    const admin = { headers: { authorization: `Bearer ${server.adminToken}` } };
    const { fullKey } = await createClient(KeyAdmin, transport).createKey({ host: 'localhost', name: 'metrics' }, admin);
    const invites = createClient(InviteService, transport);
    await invites.createInvite({}, { headers: { authorization: `Bearer ${fullKey}` } });
    const refused = await invites.createInvite({}, { headers: { authorization: 'Bearer wrong' } }).catch((e: unknown) => e);
    assert.ok(refused instanceof ConnectError && refused.code === Code.Unauthenticated);
    for (let i = 0; i < 2; i++) assert.equal((await request(server.url, { path: `/invites_api?key=${fullKey}` })).status, 201);
    assert.equal((await request(server.url, { path: '/no/such/path' })).status, 404);
    const garbageStatus = await grpcGarbage(server.port, '/invites.v1.KeyAdmin/ListKeys');

    const text = await scrape(server);
    assert.equal(sample(text, 'invites_rpc_requests_total{service="invites.v1.KeyAdmin",method="CreateKey",code="ok"}'), 1);
    assert.equal(sample(text, 'invites_rpc_requests_total{service="invites.v1.InviteService",method="CreateInvite",code="ok"}'), 1);
    assert.equal(
      sample(text, 'invites_rpc_requests_total{service="invites.v1.InviteService",method="CreateInvite",code="unauthenticated"}'),
      1,
    );
    assert.notEqual(garbageStatus, '0', 'the garbage call failed');
    const garbageCodes = text
      .split('\n')
      .filter((l) => l.startsWith('invites_rpc_requests_total{service="invites.v1.KeyAdmin",method="ListKeys"'));
    assert.equal(garbageCodes.length, 1, 'a call that failed before its handler is counted too');
    assert.match(garbageCodes[0]!, new RegExp(`code="${codeName(Number(garbageStatus) as Code)}"`), 'with the code its client got');
    assert.equal(sample(text, 'invites_rpc_duration_seconds_count{service="invites.v1.InviteService",method="CreateInvite"}'), 2);
    assert.equal(sample(text, 'invites_http_requests_total{route="/invites_api",method="GET",status="201"}'), 2);
    assert.equal(
      sample(text, 'invites_http_requests_total{route="(unmatched)",method="GET",status="404"}'),
      1,
      'unknown paths share one label',
    );
    assert.equal(sample(text, 'invites_http_request_duration_seconds_count{route="/invites_api",method="GET"}'), 2);
    assert.equal(sample(text, 'invites_created_total{host="localhost"}'), 3, 'RPC and GET /invites_api alike');
    assert.equal(sample(text, 'invites_created_total{host="example.com"}'), 0, 'configured hosts start at 0');
    assert.equal(sample(text, 'invites_redeemed_total{host="localhost"}'), 0);
    assert.equal(sample(text, 'invites_api_keys{host="localhost"}'), 1);
    assert.equal(sample(text, 'invites_api_keys{host="example.com"}'), 0);
    assert.equal(sample(text, 'invites_database_up'), 1);
    assert.ok(sample(text, 'invites_database_round_trip_seconds_count')! >= 1, 'the health pings are timed');
    assert.ok(sample(text, 'process_cpu_user_seconds_total')! > 0, 'process metrics');
    assert.ok(sample(text, 'nodejs_heap_size_total_bytes')! > 0, 'Node metrics');
  });

  /** An InviteService client, a new key of localhost, and an invite of 3 uses it made. */
  async function inviteOfThreeUses(keyName: string) {
    const transport = createGrpcTransport({ baseUrl: server.url });
    const admin = { headers: { authorization: `Bearer ${server.adminToken}` } };
    const { fullKey } = await createClient(KeyAdmin, transport).createKey({ host: 'localhost', name: keyName }, admin);
    const asKey = { headers: { authorization: `Bearer ${fullKey}` } };
    const invites = createClient(InviteService, transport);
    const { invite } = await invites.createInvite({ maxUses: 3 }, asKey);
    return { invites, asKey, invite };
  }

  it('count each redeemed use once by host (a retried redemption takes no use and is not counted)', async () => {
    const { invites, asKey, invite } = await inviteOfThreeUses('redeems');
    const before = sample(await scrape(server), 'invites_redeemed_total{host="localhost"}')!;
    await invites.redeemInvite({ token: invite!.token, account: 'alice' }, asKey);
    await invites.redeemInvite({ token: invite!.token, account: 'bob' }, asKey);
    await invites.redeemInvite({ token: invite!.token, account: 'bob' }, asKey);
    const text = await scrape(server);
    assert.equal(sample(text, 'invites_redeemed_total{host="localhost"}')! - before, 2);
    assert.equal(sample(text, 'invites_redeemed_total{host="example.com"}'), 0);
  });

  it('count a confirmed hold as a redeemed use, once (a retried confirm and a released hold are not counted)', async () => {
    const { invites, asKey, invite } = await inviteOfThreeUses('holds');
    const token = invite!.token;
    const before = sample(await scrape(server), 'invites_redeemed_total{host="localhost"}')!;
    const carol = await invites.holdInvite({ token, account: 'carol' }, asKey);
    await invites.confirmInvite({ token, holdId: carol.holdId }, asKey);
    await invites.confirmInvite({ token, holdId: carol.holdId }, asKey);
    const dave = await invites.holdInvite({ token, account: 'dave' }, asKey);
    await invites.releaseInvite({ token, holdId: dave.holdId }, asKey);
    assert.equal(sample(await scrape(server), 'invites_redeemed_total{host="localhost"}')! - before, 1);
  });

  it('belong to their server: another server in the same process counts only its own', async () => {
    const text = await scrape(other);
    assert.equal(sample(text, 'invites_created_total{host="localhost"}'), 0);
    assert.equal(sample(text, 'invites_rpc_requests_total{service="invites.v1.InviteService",method="CreateInvite",code="ok"}'), undefined);
  });

  it('can be turned off (INVITES_METRICS=false): /metrics is then 404', async () => {
    const off = await startTestServer({ INVITES_METRICS: 'false' });
    try {
      assert.equal((await request(off.url, { path: '/metrics' })).status, 404);
    } finally {
      await off.stop();
    }
  });
});
