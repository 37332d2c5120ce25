import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compileErrors, validate } from '@readme/openapi-parser';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

type Node = Record<string, unknown> & { $ref?: string };
interface Operation extends Node {
  parameters?: Node[];
  requestBody?: { content: Record<string, { schema: Node }> };
  responses: Record<string, Node & { headers?: Record<string, Node>; content?: Record<string, { schema: Node }> }>;
  security?: Record<string, string[]>[];
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, Node> };
  security?: Record<string, string[]>[];
}

/**
 * A client that knows the API only from the served document: every path, header, parameter
 * and field name below is read from it, and every answer is checked against what it documents.
 */
describe('GET /openapi.json, and requests built from it', function () {
  let server: TestServer;
  let key: string;
  let doc: Document;

  const resolve = (node: Node): Node => {
    if (!node.$ref) return node;
    const target = node.$ref
      .slice(2)
      .split('/')
      .reduce<unknown>((at, part) => (at as Node)[part], doc);
    return resolve(target as Node);
  };
  const operation = (operationId: string) => {
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) if (op.operationId === operationId) return { path, method, op };
    }
    throw new Error(`no operation ${operationId} in the document`);
  };
  /** Whether `value` is what `schema` documents (types, enums, known properties), with the path of the first mismatch. */
  const mismatch = (value: unknown, schema: Node, at: string): string | undefined => {
    const s = resolve(schema);
    if (Array.isArray(s.enum) && !s.enum.includes(value)) return `${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`;
    const types = s.type === undefined ? [] : ([] as string[]).concat(s.type as string | string[]);
    const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
    if (types.length > 0 && !types.includes(actual) && !(actual === 'integer' && types.includes('number'))) {
      return `${at}: a ${actual}, documented as ${types.join('|')}`;
    }
    if (actual === 'array') {
      for (const [i, item] of (value as unknown[]).entries()) {
        const problem = mismatch(item, s.items as Node, `${at}[${i}]`);
        if (problem) return problem;
      }
    }
    if (actual === 'object' && s.properties) {
      const properties = s.properties as Record<string, Node>;
      for (const [name, field] of Object.entries(value as Record<string, unknown>)) {
        if (!properties[name]) return `${at}.${name} is not documented`;
        const problem = mismatch(field, properties[name], `${at}.${name}`);
        if (problem) return problem;
      }
    }
    return undefined;
  };
  const bearer = (op: Operation) => {
    const name = Object.entries(doc.components.securitySchemes).find(([, s]) => s.type === 'http' && s.scheme === 'bearer')?.[0];
    assert.ok(
      name && (op.security ?? doc.security ?? []).some((requirement) => name in requirement),
      'the operation takes a bearer credential',
    );
    return { authorization: `Bearer ${key}` };
  };

  before(async () => {
    server = await startTestServer();
    const admin = createClient(KeyAdmin, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }));
    key = (await admin.createKey({ host: 'example.com', name: 'openapi' }, { headers: { authorization: `Bearer ${server.adminToken}` } }))
      .fullKey;
    doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Document;
  });
  after(async () => server.stop());

  it('serves the committed, valid document without a credential, as cacheable JSON', async () => {
    const res = await fetch(`${server.url}/openapi.json`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.match(res.headers.get('cache-control') ?? '', /^public, max-age=\d+$/);
    const text = await res.text();
    assert.equal(text, readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'));
    const result = await validate(JSON.parse(text) as never);
    assert.ok(result.valid, result.valid ? '' : compileErrors(result));

    const again = await fetch(`${server.url}/openapi.json`, { headers: { 'if-none-match': res.headers.get('etag')! } });
    assert.equal(again.status, 304);
  });

  it('creates an invite with the Connect JSON request the document describes for CreateInvite', async () => {
    const { path, method, op } = operation('InviteService_CreateInvite');
    const [contentType, body] = Object.entries(op.requestBody!.content)[0]!;
    const fields = resolve(body.schema).properties as Record<string, Node>;
    assert.ok(fields.maxUses && fields.note, 'the request documents maxUses and note');
    const headers: Record<string, string> = { 'content-type': contentType, ...bearer(op) };
    for (const p of op.parameters ?? []) {
      if (p.in === 'header' && p.required) headers[p.name as string] = String(resolve(p.schema as Node).const);
    }
    const res = await fetch(`${server.url}${path}`, {
      method: method.toUpperCase(),
      headers,
      body: JSON.stringify({ maxUses: 3, note: 'made from the OpenAPI document' }),
    });
    const json = (await res.json()) as { invite: Record<string, unknown> };
    assert.equal(res.status, 200, JSON.stringify(json));
    assert.ok(op.responses['200'], 'a 200 is documented');
    assert.equal(mismatch(json, op.responses['200'].content!['application/json']!.schema, 'response'), undefined);
    assert.equal(json.invite.maxUses, 3);
    assert.equal(json.invite.note, 'made from the OpenAPI document');
    assert.equal(json.invite.host, 'example.com');
  });

  it('answers a refused CreateInvite with the documented Connect error', async () => {
    const { path, op } = operation('InviteService_CreateInvite');
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'connect-protocol-version': '1', ...bearer(op) },
      body: JSON.stringify({ maxUses: 5000 }),
    });
    assert.equal(res.status, 400);
    const json = (await res.json()) as { code: string };
    assert.equal(mismatch(json, op.responses.default!.content!['application/json']!.schema, 'error'), undefined);
    assert.equal(json.code, 'invalid_argument');
  });

  it('looks the invite up with the GET form of GetInvite the document describes', async () => {
    const created = await fetch(`${server.url}/invites_api`, { headers: { authorization: `Bearer ${key}` } });
    const token = new URL(created.headers.get('location')!).search.slice(1);
    const { path, op } = operation('InviteService_GetInvite.get');
    const names = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    assert.ok(names.includes('message') && names.includes('encoding'), names.join());
    const url = new URL(path, server.url);
    url.searchParams.set('encoding', 'json');
    url.searchParams.set('message', JSON.stringify({ token }));
    const res = await fetch(url);
    const json = (await res.json()) as { invite: { token: string } };
    assert.equal(res.status, 200, JSON.stringify(json));
    assert.equal(mismatch(json, op.responses['200']!.content!['application/json']!.schema, 'response'), undefined);
    assert.equal(json.invite.token, token);
  });

  it('creates an invite with GET /invites_api as documented: 201, Location to the landing page', async () => {
    const { path, method, op } = operation('invitesApi');
    assert.equal(method, 'get');
    const names = (op.parameters ?? []).map((p) => p.name);
    for (const name of ['uses', 'group', 'note']) assert.ok(names.includes(name), name);
    const url = new URL(path, server.url);
    url.searchParams.set('uses', '2');
    url.searchParams.append('group', 'team');
    url.searchParams.set('note', 'from the document');
    const res = await fetch(url, { headers: { ...bearer(op), accept: 'application/json' } });
    assert.equal(res.status, 201);
    const documented = op.responses['201']!;
    assert.ok(documented.headers?.Location, 'Location is documented');
    const location = new URL(res.headers.get('location')!);
    const invite = (await res.json()) as Record<string, unknown>;
    assert.equal(mismatch(invite, documented.content!['application/json']!.schema, 'invite'), undefined);
    assert.deepEqual([invite.maxUses, invite.groups, invite.note], [2, ['team'], 'from the document']);

    const landing = operation('landingPage');
    assert.equal(location.pathname, landing.path);
    const page = await fetch(new URL(`${location.pathname}${location.search}`, server.url));
    assert.equal(page.status, 200);
    assert.ok(landing.op.responses['200']!.content!['text/html']);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  });

  it('answers /invites_api without a key with the documented 401 JSON error', async () => {
    const { path, op } = operation('invitesApi');
    const res = await fetch(new URL(path, server.url));
    assert.equal(res.status, 401);
    const error = (await res.json()) as Record<string, unknown>;
    const schema = op.responses['401']!.content!['application/json']!.schema;
    assert.equal(mismatch(error, schema, 'error'), undefined);
    for (const field of resolve(schema).required as string[]) assert.equal(typeof error[field], 'string', field);
  });
});
