import assert from 'node:assert/strict';
import { create, toBinary, type DescMethod } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import fc from 'fast-check';
import http2 from 'node:http2';
import { EJSON } from 'bson';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { CreateKeyRequestSchema, KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import { MAX_RPC_MESSAGE_BYTES } from '../../server/app/compose.js';
import { request } from '../support/http-request.js';
import { httpRequestBytes, rawRequest, type ParsedResponse } from '../support/raw-http.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// Property-based: generated hostile requests against a real server. Each must get a 4xx (or,
// for gRPC, an error status) with a message a person can act on; the database must hold
// exactly what it held before; the server must stay up and keep working.

const RPC_METHODS: Array<{ path: string; method: DescMethod; admin: boolean }> = [
  ...InviteService.methods.map((m) => ({ path: `/${InviteService.typeName}/${m.name}`, method: m, admin: false })),
  ...KeyAdmin.methods.map((m) => ({ path: `/${KeyAdmin.typeName}/${m.name}`, method: m, admin: true })),
];
/** Methods that change nothing may succeed on a well-formed request. */
const readOnly = (m: DescMethod) => /^(List|Get)/.test(m.name);

const printable = (maxLength: number) =>
  fc.string({ maxLength, unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)) });
const latin1Bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((b) => Buffer.from(b));

describe('hostile input (property-based)', function () {
  this.timeout(180_000);
  let server: TestServer;
  let validKey: string;
  let snapshot: string;
  let cases = 0;

  const dump = async () => {
    const db = server.database.client.db(server.database.name);
    const parts: string[] = [];
    // What requests may change; rate-limit counts and use figures are the server's own bookkeeping.
    for (const name of ['keys', 'invites', 'audit'])
      parts.push(EJSON.stringify(await db.collection(name).find().sort({ _id: 1 }).toArray()));
    return parts.join('\n');
  };

  function assertClearClientError(res: ParsedResponse, what: string) {
    cases++;
    assert.ok(res.status >= 400 && res.status < 500, `${what}: status ${res.status} ${res.body.slice(0, 300)}`);
    let body: { message?: unknown };
    try {
      body = JSON.parse(res.body);
    } catch {
      assert.fail(`${what}: status ${res.status} with a body that is not JSON: ${JSON.stringify(res.body.slice(0, 200))}`);
    }
    assert.ok(typeof body.message === 'string' && body.message.length >= 10, `${what}: no clear message: ${res.body.slice(0, 300)}`);
  }

  before(async () => {
    // Trusted loopback proxies, so garbage X-Forwarded-For goes through the address parser too.
    server = await startTestServer({ INVITES_TRUSTED_PROXIES: 'loopback' });
    const admin = createClient(KeyAdmin, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }));
    validKey = (
      await admin.createKey(
        { host: 'example.com', name: 'the one valid key' },
        { headers: { authorization: `Bearer ${server.adminToken}` } },
      )
    ).fullKey;
    snapshot = await dump();
  });
  after(async () => {
    const works = await request(server.url, { path: `/invites_api?key=${validKey}` });
    await server.stop();
    assert.equal(works.status, 201, 'the server still works');
  });
  afterEach(async function () {
    if (this.currentTest?.state !== 'passed') return;
    assert.equal(await dump(), snapshot, 'the database holds exactly what it held before');
    assert.equal((await request(server.url, { path: '/invites_api' })).status, 401, 'the server is up');
    const errors = server.logs.filter((l) => /"level":(50|60)/.test(l));
    assert.deepEqual(errors, [], 'nothing was logged as an error');
  });

  it('query strings on /invites_api: repeated, huge, bad percent-encoding, invalid UTF-8, operator injection', async () => {
    const name = fc.oneof(
      fc.constantFrom(
        'key',
        'key[$ne]',
        'key[$gt]',
        'key[]',
        'key[$regex]',
        'key.$where',
        '$where',
        'KEY',
        'key%00',
        '%6Bey',
        '__proto__',
        'constructor',
        'redirect',
        'redirect[]',
      ),
      printable(12),
    );
    const value = fc.oneof(
      printable(60),
      fc.string({ maxLength: 30 }).map(encodeURIComponent),
      fc.constantFrom(
        '%',
        '%z',
        '%zz',
        '%C3%28',
        '%FF%FE%FD',
        '%ED%A0%80',
        '%00',
        '%E2%82',
        '%25',
        '%2F',
        `AAAAAAAAAAAA/${'A'.repeat(36)}`,
        `${'A'.repeat(12)}%2F${'B'.repeat(36)}`,
        'maybe',
        '{"$ne":null}',
      ),
      fc.integer({ min: 2000, max: 20_000 }).map((n) => 'A'.repeat(n)),
    );
    const pairs = fc.array(fc.tuple(name, fc.option(value, { nil: undefined })), { minLength: 1, maxLength: 6 });
    const rawBytes = latin1Bytes(40).map((b) => Buffer.concat([Buffer.from('key='), b]));
    const query = fc.oneof(
      { weight: 4, arbitrary: pairs.map((ps) => Buffer.from(ps.map(([n, v]) => (v === undefined ? n : `${n}=${v}`)).join('&'), 'latin1')) },
      { weight: 1, arbitrary: rawBytes },
    );
    await fc.assert(
      fc.asyncProperty(query, fc.constantFrom('GET', 'POST'), async (q, method) => {
        const target = Buffer.concat([Buffer.from('/invites_api?'), q]);
        assertClearClientError(
          await rawRequest(server.port, httpRequestBytes(method, target, [['Accept', 'application/json']])),
          `${method} ${target.toString('latin1').slice(0, 120)}`,
        );
      }),
      { numRuns: 80 },
    );
  });

  it('headers: odd Authorization schemes, tabs, control bytes, huge values, garbage Origin, Accept and X-Forwarded-For', async () => {
    const scheme = fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'Digest', 'Token', 'Bearer:', '', 'Bear er', 'Bearer,');
    const gap = fc.constantFrom(' ', '\t', '  ', '', ' \t ', '\t\t');
    const token = fc.oneof(
      printable(80),
      fc.constantFrom(
        `AAAAAAAAAAAA/${'A'.repeat(36)}`,
        `${validKey.split('/')[0]}/${'Z'.repeat(36)}`,
        `${validKey} extra`,
        `${validKey.split('/')[0]}`,
      ),
      latin1Bytes(60),
      fc.integer({ min: 2000, max: 20_000 }).map((n) => 'x'.repeat(n)),
    );
    const authorization = fc
      .tuple(scheme, gap, token)
      .map(([s, g, t]) => Buffer.concat([Buffer.from(`${s}${g}`, 'latin1'), Buffer.isBuffer(t) ? t : Buffer.from(t, 'latin1')]));
    const other = fc.array(
      fc.tuple(
        fc.constantFrom('Origin', 'Accept', 'X-Forwarded-For', 'Content-Type', 'Authorization', 'X-Whatever'),
        fc.oneof(printable(40), latin1Bytes(30)),
      ),
      { maxLength: 4 },
    );
    await fc.assert(
      fc.asyncProperty(authorization, other, fc.boolean(), async (auth, extra, keyInQuery) => {
        // The header always wins over the query, so even the valid key in the query must not help.
        const target = keyInQuery ? `/invites_api?key=${validKey}` : '/invites_api';
        const headers: Array<[string, string | Buffer]> = [['Authorization', auth], ...extra];
        const res = await rawRequest(server.port, httpRequestBytes('GET', target, headers));
        assertClearClientError(
          res,
          `Authorization: ${JSON.stringify(auth.toString('latin1').slice(0, 80))} + ${JSON.stringify(extra).slice(0, 200)}`,
        );
      }),
      { numRuns: 60 },
    );
  });

  const bodiesTitle =
    'request bodies on every RPC over Connect: ' + 'garbage and truncated protobuf, bad JSON, wrong content types, messages over the limit';
  it(bodiesTitle, async () => {
    const valid = Buffer.from(
      toBinary(
        CreateKeyRequestSchema,
        create(CreateKeyRequestSchema, {
          host: 'not-configured.example',
          name: 'x'.repeat(60),
          expiresIn: { seconds: 60n },
          rateLimitPerMinute: 5,
        }),
      ),
    );
    const body = fc.oneof(
      latin1Bytes(2048).map((b) => ({ type: 'application/proto', body: b, what: 'random bytes' })),
      fc
        .integer({ min: 1, max: valid.length - 1 })
        .map((n) => ({ type: 'application/proto', body: valid.subarray(0, n), what: `truncated to ${n}` })),
      fc
        .oneof(
          fc.json().map((j) => Buffer.from(j)),
          printable(200).map((s) => Buffer.from(s)),
          fc
            .constantFrom(
              '{"host": ["example.com"]}',
              '{"host": "example.com", "expiresIn": "-5s"}',
              '{"host": "example.com", "expiresIn": "forever"}',
              '{"host": "example.com", "rateLimitPerMinute": 4294967296}',
              '{"host": "example.com", "rateLimitPerMinute": 100001}',
              '{"host": "example.com", "name": "a\\u0000b"}',
              // Operator injection into a string field; the host is not configured because for CreateKey
              // "id" is an unknown field, which Connect ignores: with a configured host, a valid request.
              '{"host": "unconfigured.example", "id": {"$ne": null}}',
              '{"host": {"$gt": ""}}',
              '{"since": "yesterday"}',
              '{"pageSize": 1000000}',
              // Connect ignores unknown JSON fields, so with a configured host this would be a valid
              // request; an unconfigured one makes it a client error whatever __proto__ does.
              '{"host": "unconfigured.example", "__proto__": {"admin": true}}',
              '{',
            )
            .map((s) => Buffer.from(s)),
        )
        .map((b) => ({ type: 'application/json', body: b, what: 'JSON' })),
      fc
        .tuple(
          fc.constantFrom(
            'text/plain',
            'application/xml',
            'multipart/form-data; boundary=x',
            'application/x-www-form-urlencoded',
            'application/protobuf',
            'application/json; charset=latin1',
            '',
          ),
          latin1Bytes(100),
        )
        .map(([type, b]) => ({ type, body: b, what: `Content-Type ${type || '(none)'}` })),
      fc.integer({ min: MAX_RPC_MESSAGE_BYTES + 1, max: 4 * MAX_RPC_MESSAGE_BYTES }).map((n) => {
        const name = Buffer.alloc(n, 'a');
        const header = Buffer.from([0x12, ...varint(n)]);
        return { type: 'application/proto', body: Buffer.concat([header, name]), what: `a ${n}-byte message` };
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...RPC_METHODS), body, fc.constantFrom('none', 'wrong', 'garbage'), async (rpc, b, credential) => {
        const headers: Array<[string, string]> = [];
        if (b.type) headers.push(['Content-Type', b.type]);
        if (rpc.admin) headers.push(['Authorization', `Bearer ${server.adminToken}`]);
        else if (credential === 'wrong') headers.push(['Authorization', `Bearer AAAAAAAAAAAA/${'A'.repeat(36)}`]);
        else if (credential === 'garbage') headers.push(['Authorization', 'Bearer \t x']);
        const res = await rawRequest(server.port, httpRequestBytes('POST', rpc.path, headers, b.body));
        if (res.status === 200 && readOnly(rpc.method)) {
          cases++;
          return;
        }
        assertClearClientError(res, `${rpc.path} with ${b.what}`);
        if (b.what.endsWith('-byte message')) assert.equal(JSON.parse(res.body).code, 'resource_exhausted', 'over the size limit');
      }),
      { numRuns: 100 },
    );
  });

  it('request bodies on every RPC over gRPC (h2c): garbage, bad framing, compressed flag, oversized frames', async () => {
    const session = http2.connect(server.url);
    try {
      const frame = (payload: Buffer, flags = 0, claimed = payload.length) =>
        Buffer.concat([Buffer.from([flags, ...u32(claimed)]), payload]);
      const body = fc.oneof(
        latin1Bytes(300).map((b) => ({ body: b, what: 'unframed bytes' })),
        latin1Bytes(300).map((b) => ({ body: frame(b), what: 'a frame of random bytes' })),
        fc
          .tuple(latin1Bytes(100), fc.integer({ min: 1, max: 10_000 }))
          .map(([b, extra]) => ({ body: frame(b, 0, b.length + extra), what: 'a frame longer than what follows' })),
        latin1Bytes(100).map((b) => ({ body: frame(b, 1), what: 'a compressed frame without grpc-encoding' })),
        fc
          .integer({ min: MAX_RPC_MESSAGE_BYTES + 1, max: 3 * MAX_RPC_MESSAGE_BYTES })
          .map((n) => ({ body: frame(Buffer.alloc(n, 0)), what: `a ${n}-byte frame` })),
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...RPC_METHODS), body, async (rpc, b) => {
          const headers: http2.OutgoingHttpHeaders = {
            ':method': 'POST',
            ':path': rpc.path,
            'content-type': 'application/grpc',
            te: 'trailers',
          };
          if (rpc.admin) headers.authorization = `Bearer ${server.adminToken}`;
          const { status, message } = await grpcCall(session, headers, b.body);
          cases++;
          if (status === 0 && readOnly(rpc.method)) return;
          // The gRPC spec answers a compressed frame without a negotiated encoding with INTERNAL.
          const internalIsRight = b.what.startsWith('a compressed frame') && /compressed/.test(message);
          assert.ok(
            ![0, 2].includes(status) && (status !== 13 || internalIsRight),
            `${rpc.path} with ${b.what}: grpc-status ${status} ${message}`,
          );
          assert.ok(message.length >= 10, `${rpc.path} with ${b.what}: grpc-status ${status} without a clear message`);
          if (b.what.endsWith('-byte frame')) assert.equal(status, 8, 'RESOURCE_EXHAUSTED over the size limit');
        }),
        { numRuns: 40 },
      );
    } finally {
      session.destroy();
    }
  });

  it('ran at least 200 generated cases', () => {
    assert.ok(cases >= 200, `${cases} cases`);
  });
});

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

/** One gRPC call with a raw body; the status and message from trailers (or headers, for trailers-only). */
function grpcCall(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  body: Buffer,
): Promise<{ status: number; message: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers);
    let status: string | undefined;
    let message = '';
    const take = (h: http2.IncomingHttpHeaders) => {
      if (h['grpc-status'] !== undefined) status = String(h['grpc-status']);
      if (h['grpc-message'] !== undefined) message = decodeURIComponent(String(h['grpc-message']));
    };
    stream.on('response', take);
    stream.on('trailers', take);
    stream.on('data', () => {});
    stream.on('error', reject);
    stream.on('close', () =>
      status === undefined
        ? reject(new Error(`no grpc-status (stream code ${stream.rstCode})`))
        : resolve({ status: Number(status), message }),
    );
    stream.end(body);
  });
}
