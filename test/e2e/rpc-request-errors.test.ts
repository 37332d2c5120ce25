import assert from 'node:assert/strict';
import { httpRequestBytes, rawRequest } from '../support/raw-http.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// What Connect would answer with a bare status (or as INTERNAL) gets a JSON message instead.
describe('RPC requests Connect cannot serve', function () {
  let server: TestServer;
  before(async () => (server = await startTestServer()));
  after(async () => server.stop());
  const path = '/invites.v1.KeyAdmin/ListKeys';

  it('answers a method other than POST with 405, Allow and a message', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const res = await rawRequest(server.port, httpRequestBytes(method, '/invites.v1.KeyAdmin/CreateKey', []));
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.allow, 'POST');
      assert.deepEqual(JSON.parse(res.body), { error: 'method_not_allowed', message: 'call this RPC with POST' });
    }
  });

  it('names GET too in the 405 of a read RPC, which Connect clients may call with GET', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const res = await rawRequest(server.port, httpRequestBytes(method, path, []));
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.allow, 'POST, GET');
      assert.deepEqual(JSON.parse(res.body), { error: 'method_not_allowed', message: 'call this RPC with POST or GET' });
    }
  });

  it('answers a missing or unknown Content-Type with 415 and the ones it serves', async () => {
    for (const type of [undefined, 'text/plain', 'application/protobuf']) {
      const res = await rawRequest(server.port, httpRequestBytes('POST', path, type ? [['Content-Type', type]] : [], Buffer.from('{}')));
      assert.equal(res.status, 415, String(type));
      const body = JSON.parse(res.body);
      assert.equal(body.error, 'unsupported_media_type');
      assert.match(body.message, /use application\/proto or application\/json \(Connect\), application\/grpc \(gRPC\)/);
    }
  });

  it('answers an unparsable protobuf message with 400 invalid_argument, not 500', async () => {
    const res = await rawRequest(
      server.port,
      httpRequestBytes(
        'POST',
        path,
        [
          ['Content-Type', 'application/proto'],
          ['Authorization', `Bearer ${server.adminToken}`],
        ],
        Buffer.from([0x0a, 0x05, 0x61]),
      ),
    );
    assert.equal(res.status, 400);
    assert.deepEqual(JSON.parse(res.body), {
      code: 'invalid_argument',
      message: 'the request body is not a valid protobuf message for this RPC (premature EOF)',
    });
  });

  it('answers a message over 64 KiB with resource_exhausted', async () => {
    const res = await rawRequest(
      server.port,
      httpRequestBytes('POST', path, [['Content-Type', 'application/json']], Buffer.from(JSON.stringify({ host: 'x'.repeat(70_000) }))),
    );
    assert.equal(res.status, 429);
    assert.equal(JSON.parse(res.body).code, 'resource_exhausted');
    assert.match(JSON.parse(res.body).message, /larger than configured readMaxBytes 65536/);
  });
});
