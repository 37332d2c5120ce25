import assert from 'node:assert/strict';
import { Code, ConnectError } from '@connectrpc/connect';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { hashSecret } from '../../server/domain/secret-hash.js';
import { routerHarness } from '../support/router-harness.js';

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: ConnectError) => Code[e.code],
  );

describe('KeyAdmin (in-memory transport)', () => {
  it('creates a key in the Prosody shape and stores only a hash of its secret', async () => {
    const h = routerHarness();
    const { key, fullKey } = await h.adminClient.createKey({ host: 'example.com', name: 'My test key' }, h.admin);
    assert.match(fullKey, /^[A-Za-z0-9_-]{12}\/[A-Za-z0-9_-]{36}$/);
    const [id, secret] = fullKey.split('/') as [string, string];
    assert.equal(key?.id, id);
    assert.equal(key?.host, 'example.com');
    assert.equal(key?.name, 'My test key');
    const stored = await h.store.keys.findById(id);
    assert.deepEqual(Buffer.from(stored!.secretHash), hashSecret(secret));
    assert.ok(!JSON.stringify(stored).includes(secret));
  });

  it("lists a host's keys newest first, without secrets, and no other host's", async () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const h = routerHarness({ now: () => new Date((t += 1000)) });
    const a = await h.adminClient.createKey({ host: 'example.com', name: 'a' }, h.admin);
    const b = await h.adminClient.createKey({ host: 'example.com', name: 'b' }, h.admin);
    await h.adminClient.createKey({ host: 'chat.example.org', name: 'c' }, h.admin);
    const { keys } = await h.adminClient.listKeys({ host: 'example.com' }, h.admin);
    assert.deepEqual(
      keys.map((k) => k.name),
      ['b', 'a'],
    );
    assert.deepEqual(
      keys.map((k) => k.id),
      [b.key!.id, a.key!.id],
    );
    assert.equal(timestampDate(keys[1]!.createTime!).toISOString(), '2026-01-01T00:00:01.000Z');
    const listed = JSON.stringify(keys, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    assert.ok(!listed.includes(a.fullKey.split('/')[1]!));
  });

  it('deletes a key; deleting it again, or on another host, is NotFound "key not found"', async () => {
    const h = routerHarness();
    const { key } = await h.adminClient.createKey({ host: 'example.com' }, h.admin);
    assert.equal(await codeOf(h.adminClient.deleteKey({ host: 'chat.example.org', id: key!.id }, h.admin)), 'NotFound');
    await h.adminClient.deleteKey({ host: 'example.com', id: key!.id }, h.admin);
    const err = await h.adminClient.deleteKey({ host: 'example.com', id: key!.id }, h.admin).catch((e: ConnectError) => e);
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, Code.NotFound);
    assert.equal(err.rawMessage, 'key not found');
    assert.equal(await codeOf(h.adminClient.deleteKey({ host: 'example.com', id: 'not-a-key-id-at-all' }, h.admin)), 'NotFound');
  });

  it('names the configured hosts when asked about another', async () => {
    const h = routerHarness();
    const err = await h.adminClient.createKey({ host: 'nope.net' }, h.admin).catch((e: ConnectError) => e);
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, Code.InvalidArgument);
    assert.match(err.rawMessage, /"nope\.net" is not configured.*example\.com/);
    assert.equal(await codeOf(h.adminClient.listKeys({ host: '' }, h.admin)), 'InvalidArgument');
  });

  it('refuses names that are too long or hold control characters', async () => {
    const h = routerHarness();
    assert.equal(await codeOf(h.adminClient.createKey({ host: 'example.com', name: 'x'.repeat(201) }, h.admin)), 'InvalidArgument');
    assert.equal(await codeOf(h.adminClient.createKey({ host: 'example.com', name: 'a\nb' }, h.admin)), 'InvalidArgument');
    for (const name of ['invoice\u202Etxt.exe', 'zero\u200Bwidth', 'line\u2028break', 'para\u2029break', 'word\u2060joiner']) {
      const err = await h.adminClient.createKey({ host: 'example.com', name }, h.admin).catch((e: unknown) => e);
      assert.ok(err instanceof ConnectError && err.code === Code.InvalidArgument, JSON.stringify(name));
      assert.match(err.rawMessage, /^name must not contain .*U\+[0-9A-F]{4}/);
    }
    assert.deepEqual((await h.adminClient.listKeys({ host: 'example.com' }, h.admin)).keys, []);
  });

  it('refuses every call without the admin token, or with a wrong one', async () => {
    const h = routerHarness();
    const wrong = { headers: { authorization: 'Bearer not-the-admin-token' } };
    for (const opts of [{}, wrong, { headers: { authorization: 'Basic abc' } }]) {
      assert.equal(await codeOf(h.adminClient.createKey({ host: 'example.com' }, opts)), 'Unauthenticated');
      assert.equal(await codeOf(h.adminClient.listKeys({ host: 'example.com' }, opts)), 'Unauthenticated');
      assert.equal(await codeOf(h.adminClient.deleteKey({ host: 'example.com', id: 'AAAAAAAAAAAA' }, opts)), 'Unauthenticated');
    }
    assert.deepEqual((await h.adminClient.listKeys({ host: 'example.com' }, h.admin)).keys, []);
  });
});
