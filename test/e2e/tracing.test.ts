import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import { request } from '../support/http-request.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

interface RequestLine {
  msg: string;
  route: string;
  traceId?: string;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
/** A caller's W3C trace context: its trace id and the id of its span, which the server span must be a child of. */
const callerContext = () => ({ traceId: hex(16), spanId: hex(8) });
const traceparent = (c: { traceId: string; spanId: string }) => `00-${c.traceId}-${c.spanId}-01`;

describe('tracing (OpenTelemetry)', function () {
  const exporter = new InMemorySpanExporter();
  let server: TestServer;
  let key: string;
  let keyId: string;
  /** Invite tokens handed out during the tests: none may appear in a span. */
  const inviteTokens: string[] = [];

  before(async () => {
    const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    server = await startTestServer({}, { deps: { tracerProvider } });
    const created = await createClient(KeyAdmin, createGrpcTransport({ baseUrl: server.url })).createKey(
      { host: 'localhost', name: 'traced' },
      { headers: { authorization: `Bearer ${server.adminToken}` } },
    );
    key = created.fullKey;
    keyId = created.key!.id;
  });
  after(async () => server.stop());

  /** The spans of one trace, once its server span has ended (it ends when the response has been sent). */
  async function traceOf(traceId: string): Promise<{ server: ReadableSpan; spans: ReadableSpan[] }> {
    for (let i = 0; i < 100; i++) {
      const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      const serverSpan = spans.find((s) => s.kind === SpanKind.SERVER);
      if (serverSpan) return { server: serverSpan, spans };
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no server span in trace ${traceId}`);
  }

  function requestLine(traceId: string): RequestLine | undefined {
    return server.logs.map((l) => JSON.parse(l) as RequestLine).find((l) => l.msg === 'request' && l.traceId === traceId);
  }

  function assertInsertChild(spans: ReadableSpan[], parent: ReadableSpan): void {
    const insert = spans.find((s) => s.attributes['db.operation.name'] === 'insert' && s.attributes['db.collection.name'] === 'invites');
    assert.ok(insert, `a span for the invite's insert, among: ${spans.map((s) => s.name).join(', ')}`);
    assert.equal(insert.kind, SpanKind.CLIENT);
    assert.equal(insert.name, 'insert invites');
    assert.equal(insert.attributes['db.system.name'], 'mongodb');
    assert.equal(insert.parentSpanContext?.spanId, parent.spanContext().spanId, 'the insert is a child of the request span');
  }

  it('CreateInvite over Connect: a server span under traceparent with route, protocol, code, key id; the insert its child', async () => {
    const caller = callerContext();
    const res = await createClient(InviteService, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' })).createInvite(
      {},
      { headers: { authorization: `Bearer ${key}`, traceparent: traceparent(caller) } },
    );
    inviteTokens.push(res.invite!.token);
    const { server: span, spans } = await traceOf(caller.traceId);
    assert.equal(span.parentSpanContext?.spanId, caller.spanId, "the server span is the caller's span's child");
    assert.equal(span.name, 'invites.v1.InviteService/CreateInvite');
    assert.deepEqual(
      {
        system: span.attributes['rpc.system'],
        service: span.attributes['rpc.service'],
        method: span.attributes['rpc.method'],
        route: span.attributes['http.route'],
        protocol: span.attributes['invites.protocol'],
        status: span.attributes['http.response.status_code'],
        code: span.attributes['invites.rpc.code'],
        keyId: span.attributes['invites.key.id'],
      },
      {
        system: 'connect_rpc',
        service: 'invites.v1.InviteService',
        method: 'CreateInvite',
        route: '/invites.v1.InviteService/CreateInvite',
        protocol: 'connect',
        status: 200,
        code: 'ok',
        keyId,
      },
    );
    assertInsertChild(spans, span);
    assert.equal(
      requestLine(caller.traceId)?.route,
      '/invites.v1.InviteService/CreateInvite',
      "the request's log line carries the trace id",
    );
  });

  it('CreateInvite over gRPC (HTTP/2): protocol grpc, the numeric gRPC status, the insert its child', async () => {
    const caller = callerContext();
    const res = await createClient(InviteService, createGrpcTransport({ baseUrl: server.url })).createInvite(
      {},
      { headers: { authorization: `Bearer ${key}`, traceparent: traceparent(caller) } },
    );
    inviteTokens.push(res.invite!.token);
    const { server: span, spans } = await traceOf(caller.traceId);
    assert.equal(span.parentSpanContext?.spanId, caller.spanId);
    assert.equal(span.attributes['invites.protocol'], 'grpc');
    assert.equal(span.attributes['rpc.system'], 'grpc');
    assert.equal(span.attributes['rpc.grpc.status_code'], 0);
    assert.equal(span.attributes['invites.key.id'], keyId);
    assertInsertChild(spans, span);
  });

  it('a refused key over Connect: its code and HTTP status, no key id', async () => {
    const caller = callerContext();
    const err = await createClient(InviteService, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }))
      .createInvite({}, { headers: { authorization: `Bearer ${keyId}/${'x'.repeat(43)}`, traceparent: traceparent(caller) } })
      .catch((e: unknown) => e);
    assert.ok(err instanceof ConnectError && err.code === Code.Unauthenticated);
    const { server: span } = await traceOf(caller.traceId);
    assert.deepEqual(
      [span.attributes['invites.rpc.code'], span.attributes['rpc.connect_rpc.error_code'], span.attributes['http.response.status_code']],
      ['unauthenticated', 'unauthenticated', 401],
    );
    assert.equal(span.attributes['invites.key.id'], undefined);
  });

  it('GET /invites_api: the route template, HTTP status and key id, the insert as a child, the log line with the trace id', async () => {
    const caller = callerContext();
    const res = await request(server.url, {
      path: `/invites_api?key=${encodeURIComponent(key)}`,
      headers: { traceparent: traceparent(caller) },
    });
    assert.equal(res.status, 201);
    inviteTokens.push(new URL(res.headers.location!).search.slice(1));
    const { server: span, spans } = await traceOf(caller.traceId);
    assert.equal(span.parentSpanContext?.spanId, caller.spanId);
    assert.equal(span.name, 'GET /invites_api');
    assert.deepEqual(
      [
        span.attributes['http.route'],
        span.attributes['invites.protocol'],
        span.attributes['http.response.status_code'],
        span.attributes['invites.key.id'],
      ],
      ['/invites_api', 'http', 201, keyId],
    );
    assert.equal(span.attributes['rpc.system'], undefined);
    assertInsertChild(spans, span);
    assert.equal(requestLine(caller.traceId)?.route, '/invites_api');
  });

  it('the landing page /invite?TOKEN: the route template, not the token', async () => {
    const caller = callerContext();
    const res = await request(server.url, { path: `/invite?${inviteTokens[0]}`, headers: { traceparent: traceparent(caller) } });
    assert.equal(res.status, 200);
    const { server: span } = await traceOf(caller.traceId);
    assert.equal(span.name, 'GET /invite');
    assert.equal(span.attributes['http.route'], '/invite');
  });

  it('a request without traceparent starts a trace of its own', async () => {
    const before = exporter.getFinishedSpans().length;
    await request(server.url, { path: '/healthz' });
    await new Promise((r) => setTimeout(r, 50));
    const span = exporter
      .getFinishedSpans()
      .slice(before)
      .find((s) => s.kind === SpanKind.SERVER);
    assert.ok(span);
    assert.equal(span.parentSpanContext, undefined);
    assert.match(span.spanContext().traceId, /^[0-9a-f]{32}$/);
  });

  it('no span holds a secret: not the API key secret, not the admin token, not an invite token', () => {
    const spans = exporter.getFinishedSpans();
    assert.ok(
      spans.some((s) => s.attributes['invites.key.id'] === keyId),
      'key ids are recorded',
    );
    const secrets = {
      'key secret': key.split('/')[1]!,
      'admin token': server.adminToken,
      ...Object.fromEntries(inviteTokens.map((t, i) => [`invite token ${i}`, t])),
    };
    assert.equal(inviteTokens.length, 3);
    for (const span of spans) {
      const text = JSON.stringify([span.name, span.attributes, span.events, span.resource.attributes]);
      for (const [what, secret] of Object.entries(secrets)) assert.ok(!text.includes(secret), `span "${span.name}" holds the ${what}`);
    }
  });
});

describe('tracing over OTLP (OTEL_EXPORTER_OTLP_ENDPOINT)', function () {
  it('sends the spans to <endpoint>/v1/traces as OTLP protobuf, flushed when the server stops', async () => {
    const received: Array<{ method?: string; url?: string; type?: string; body: Buffer }> = [];
    const collector = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ method: req.method, url: req.url, type: req.headers['content-type'], body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const server = await startTestServer({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'invites-traced' });
    const caller = callerContext();
    try {
      await request(server.url, { path: '/healthz', headers: { traceparent: traceparent(caller) } });
      await new Promise((r) => setTimeout(r, 50));
      const line = server.logs.map((l) => JSON.parse(l) as RequestLine).find((l) => l.msg === 'request' && l.route === '/healthz');
      assert.equal(line?.traceId, caller.traceId);
    } finally {
      await server.stop();
      collector.closeAllConnections();
      collector.close();
    }
    assert.ok(received.length > 0, 'the collector got the spans');
    assert.deepEqual([received[0]!.method, received[0]!.url, received[0]!.type], ['POST', '/v1/traces', 'application/x-protobuf']);
    const body = Buffer.concat(received.map((r) => r.body));
    assert.ok(body.includes(Buffer.from(caller.traceId, 'hex')), "the caller's trace id");
    assert.ok(body.includes(Buffer.from('GET /healthz')), 'the server span');
    assert.ok(body.includes(Buffer.from('invites-traced')), 'the service name');
  });
});

describe('tracing off (no provider, no OTLP endpoint)', function () {
  it('request log lines carry no trace id', async () => {
    const server = await startTestServer();
    try {
      await request(server.url, { path: '/healthz' });
      await new Promise((r) => setTimeout(r, 50));
      const lines = server.logs.map((l) => JSON.parse(l) as RequestLine).filter((l) => l.msg === 'request');
      assert.ok(lines.length > 0);
      assert.ok(lines.every((l) => l.traceId === undefined));
    } finally {
      await server.stop();
    }
  });
});
