import assert from 'node:assert/strict';
import { Code } from '@connectrpc/connect';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { createContextValues } from '@connectrpc/connect';
import { Health, HealthCheckResponse_ServingStatus } from '../../gen/health/v1/health_pb.js';
import { rpcAdapter } from '../../server/transport/rpc/rpc-adapter.js';

const CHECK = '/grpc.health.v1.Health/Check';

/** One gRPC call over h2c: the response's trailers. */
function grpcCall(port: number, message: Buffer): Promise<http2.IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const stream = session.request({ ':method': 'POST', ':path': CHECK, 'content-type': 'application/grpc', te: 'trailers' });
    let trailers: http2.IncomingHttpHeaders = {};
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', () => {});
    stream.on('end', () => {
      session.close();
      resolve(trailers);
    });
    stream.on('error', reject);
    stream.end(Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]));
  });
}

// Pins what the adapter relies on in connect-node's exports for framework adapters: a universal
// response whose unary Connect errors are a JSON body and whose gRPC status is in trailers read
// once the body has ended. An upgrade that changes that fails here.
describe('the RPC adapter over connect-node', function () {
  const statuses: Code[] = [];
  const unexpected: unknown[] = [];
  let h1: http.Server;
  let h2: http2.Http2Server;
  let h1Port: number;
  let h2Port: number;
  before(async () => {
    const handler = rpcAdapter({
      routes: (router) => router.service(Health, { check: () => ({ status: HealthCheckResponse_ServingStatus.SERVING }) }),
      interceptors: [],
      readMaxBytes: 1024,
      contextValues: () => createContextValues(),
      fallback: (_req, res) => {
        res.writeHead(418);
        res.end();
      },
      onGrpcStatus: (_req, code) => statuses.push(code),
      onUnexpected: (err) => unexpected.push(err),
    });
    h1 = http.createServer(handler);
    h2 = http2.createServer(handler);
    await Promise.all([new Promise<void>((r) => h1.listen(0, '127.0.0.1', r)), new Promise<void>((r) => h2.listen(0, '127.0.0.1', r))]);
    h1Port = (h1.address() as AddressInfo).port;
    h2Port = (h2.address() as AddressInfo).port;
  });
  after(async () => {
    h1.closeAllConnections();
    await Promise.all([new Promise((r) => h1.close(r)), new Promise((r) => h2.close(r))]);
    assert.deepEqual(unexpected, []);
  });

  it('answers an unparsable binary Connect message with 400 invalid_argument', async () => {
    const res = await fetch(`http://127.0.0.1:${h1Port}${CHECK}`, {
      method: 'POST',
      headers: { 'content-type': 'application/proto' },
      body: new Uint8Array([0xff, 0xff, 0xff]),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { code: string; message: string };
    assert.equal(body.code, 'invalid_argument');
    assert.match(body.message, /^the request body is not a valid protobuf message for this RPC/);
  });

  it('leaves a valid Connect call alone', async () => {
    const res = await fetch(`http://127.0.0.1:${h1Port}${CHECK}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'SERVING' });
  });

  it('reports an unparsable gRPC message as INVALID_ARGUMENT in the trailers, and tells which status it sent', async () => {
    statuses.length = 0;
    const trailers = await grpcCall(h2Port, Buffer.from([0xff, 0xff, 0xff]));
    assert.equal(trailers['grpc-status'], '3');
    assert.match(decodeURIComponent(String(trailers['grpc-message'])), /not a valid protobuf message/);
    assert.deepEqual(statuses, [Code.InvalidArgument]);
  });

  it('tells the status of a gRPC call that succeeded', async () => {
    statuses.length = 0;
    const trailers = await grpcCall(h2Port, Buffer.alloc(0));
    assert.equal(trailers['grpc-status'], '0');
    assert.deepEqual(statuses, [0]);
  });

  it('hands paths of no RPC to the fallback', async () => {
    assert.equal((await fetch(`http://127.0.0.1:${h1Port}/nothing`)).status, 418);
  });
});
