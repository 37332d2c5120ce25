import assert from 'node:assert/strict';
import { Code, ConnectError } from '@connectrpc/connect';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { AuditAction } from '../../gen/invites/v1/audit_pb.js';
import { routerHarness } from '../support/router-harness.js';

const failure = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConnectError, `expected a ConnectError, got ${String(err)}`);
  return err;
};

/** A clock the test moves. */
function clock(start = '2026-11-28T10:00:00Z') {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

describe('key lifecycle (in-memory transport)', () => {
  it('makes a key that works until it expires, then is refused like an unknown key', async () => {
    const c = clock();
    const h = routerHarness({ now: c.now });
    const { key, fullKey } = await h.adminClient.createKey({ host: 'example.com', expiresIn: { seconds: 3600n, nanos: 0 } }, h.admin);
    assert.equal(timestampDate(key!.expireTime!).toISOString(), '2026-11-28T11:00:00.000Z');
    assert.ok(await h.inviteClient.createInvite({}, h.bearer(fullKey)));
    c.advance(3600_000 - 1);
    assert.ok(await h.inviteClient.createInvite({}, h.bearer(fullKey)), 'still valid 1 ms before expiry');
    c.advance(1);
    const expired = await failure(h.inviteClient.createInvite({}, h.bearer(fullKey)));
    const unknown = await failure(h.inviteClient.createInvite({}, h.bearer(`AAAAAAAAAAAA/${'A'.repeat(36)}`)));
    assert.equal(expired.code, Code.Unauthenticated);
    assert.equal(expired.rawMessage, unknown.rawMessage);
    const { keys } = await h.adminClient.listKeys({ host: 'example.com' }, h.admin);
    assert.equal(timestampDate(keys[0]!.expireTime!).toISOString(), '2026-11-28T11:00:00.000Z', 'the listing shows the expiry');
  });

  it('refuses a bad expiry or rate limit with InvalidArgument naming it, and stores nothing', async () => {
    const h = routerHarness();
    const cases = [
      { expiresIn: { seconds: 0n, nanos: 0 }, field: /expires_in/ },
      { expiresIn: { seconds: -5n, nanos: 0 }, field: /expires_in/ },
      { expiresIn: { seconds: 3651n * 86400n, nanos: 0 }, field: /expires_in.*3650 days/ },
      { rateLimitPerMinute: 100_001, field: /rate_limit_per_minute/ },
    ];
    for (const { field, ...options } of cases) {
      const err = await failure(h.adminClient.createKey({ host: 'example.com', ...options }, h.admin));
      assert.equal(err.code, Code.InvalidArgument);
      assert.match(err.rawMessage, field);
    }
    assert.deepEqual((await h.adminClient.listKeys({ host: 'example.com' }, h.admin)).keys, []);
  });

  it('disables a key (refused like an unknown one) and enables it again', async () => {
    const h = routerHarness();
    const { key, fullKey } = await h.adminClient.createKey({ host: 'example.com', name: 'bot' }, h.admin);
    const id = key!.id;
    const disabled = await h.adminClient.disableKey({ host: 'example.com', id }, h.admin);
    assert.equal(disabled.key?.disabled, true);
    const refused = await failure(h.inviteClient.createInvite({}, h.bearer(fullKey)));
    assert.equal(refused.code, Code.Unauthenticated);
    assert.match(refused.rawMessage, /not valid/);
    assert.equal((await h.adminClient.listKeys({ host: 'example.com' }, h.admin)).keys[0]?.disabled, true);
    const enabled = await h.adminClient.enableKey({ host: 'example.com', id }, h.admin);
    assert.equal(enabled.key?.disabled, false);
    assert.equal(enabled.key?.name, 'bot');
    assert.ok(await h.inviteClient.createInvite({}, h.bearer(fullKey)));
  });

  it("answers NotFound for disabling, enabling or rotating an unknown key or another host's", async () => {
    const h = routerHarness();
    const { key } = await h.adminClient.createKey({ host: 'example.com' }, h.admin);
    for (const call of [h.adminClient.disableKey, h.adminClient.enableKey, h.adminClient.rotateKey]) {
      for (const req of [
        { host: 'chat.example.org', id: key!.id },
        { host: 'example.com', id: 'BBBBBBBBBBBB' },
        { host: 'example.com', id: '../x' },
      ]) {
        const err = await failure(call(req, h.admin));
        assert.equal(err.code, Code.NotFound, JSON.stringify(req));
      }
    }
    const wrongHost = await failure(h.adminClient.disableKey({ host: 'nope.net', id: key!.id }, h.admin));
    assert.equal(wrongHost.code, Code.InvalidArgument);
  });

  it('rotates a key: same id and name, a new secret shown once, the old one refused at once', async () => {
    const c = clock();
    const h = routerHarness({ now: c.now });
    const { key, fullKey } = await h.adminClient.createKey({ host: 'example.com', name: 'bot', rateLimitPerMinute: 7 }, h.admin);
    assert.ok(await h.inviteClient.createInvite({}, h.bearer(fullKey)), 'the old key is cached as valid');
    c.advance(5000);
    const rotated = await h.adminClient.rotateKey({ host: 'example.com', id: key!.id }, h.admin);
    assert.match(rotated.fullKey, /^[A-Za-z0-9_-]{12}\/[A-Za-z0-9_-]{36}$/);
    assert.equal(rotated.fullKey.split('/')[0], key!.id);
    assert.notEqual(rotated.fullKey, fullKey);
    assert.equal(rotated.key?.name, 'bot');
    assert.equal(rotated.key?.rateLimitPerMinute, 7);
    assert.equal(timestampDate(rotated.key!.rotateTime!).toISOString(), '2026-11-28T10:00:05.000Z');
    assert.equal((await failure(h.inviteClient.createInvite({}, h.bearer(fullKey)))).code, Code.Unauthenticated);
    const { invite } = await h.inviteClient.createInvite({}, h.bearer(rotated.fullKey));
    assert.equal(invite?.source, `api/token/${key!.id}`);
    const listed = JSON.stringify((await h.adminClient.listKeys({ host: 'example.com' }, h.admin)).keys, (_k, v) =>
      typeof v === 'bigint' ? String(v) : v,
    );
    assert.ok(!listed.includes(rotated.fullKey.split('/')[1]!), 'the listing never holds the secret');
  });

  it("lists each key's use count, last use and rate limit (its own or the default)", async () => {
    const c = clock();
    const h = routerHarness({ now: c.now });
    const busy = await h.adminClient.createKey({ host: 'example.com', name: 'busy' }, h.admin);
    await h.adminClient.createKey({ host: 'example.com', name: 'idle', rateLimitPerMinute: 5 }, h.admin);
    for (let i = 0; i < 4; i++) {
      c.advance(1000);
      await h.inviteClient.createInvite({}, h.bearer(busy.fullKey));
    }
    await failure(h.inviteClient.createInvite({}, h.bearer(`${busy.key!.id}/${'A'.repeat(36)}`)));
    const { keys } = await h.adminClient.listKeys({ host: 'example.com' }, h.admin);
    const byName = new Map(keys.map((k) => [k.name, k]));
    assert.equal(byName.get('busy')?.useCount, 4n, 'a wrong secret is not a use');
    assert.equal(timestampDate(byName.get('busy')!.lastUseTime!).toISOString(), '2026-11-28T10:00:04.000Z');
    assert.equal(byName.get('busy')?.rateLimitPerMinute, 60);
    assert.equal(byName.get('idle')?.useCount, 0n);
    assert.equal(byName.get('idle')?.lastUseTime, undefined);
    assert.equal(byName.get('idle')?.rateLimitPerMinute, 5);
  });

  it('limits a key to its invites per minute with ResourceExhausted and Retry-After, per key, per minute', async () => {
    const c = clock('2026-11-28T10:00:00Z');
    const h = routerHarness({ now: c.now });
    const limited = await h.adminClient.createKey({ host: 'example.com', rateLimitPerMinute: 3 }, h.admin);
    const other = await h.adminClient.createKey({ host: 'example.com' }, h.admin);
    for (let i = 0; i < 3; i++) await h.inviteClient.createInvite({}, h.bearer(limited.fullKey));
    c.advance(20_000);
    const err = await failure(h.inviteClient.createInvite({}, h.bearer(limited.fullKey)));
    assert.equal(err.code, Code.ResourceExhausted);
    assert.match(err.rawMessage, /3 invites per minute: try again in 40 s/);
    assert.equal(err.metadata.get('retry-after'), '40');
    assert.ok(await h.inviteClient.createInvite({}, h.bearer(other.fullKey)), 'another key is not limited');
    c.advance(40_000);
    assert.ok(await h.inviteClient.createInvite({}, h.bearer(limited.fullKey)), 'the next minute starts afresh');
    const created = await h.store.invites.listCreated({ hosts: ['example.com'], since: undefined, limit: 100 });
    assert.equal(created.filter((i) => i.keyId === limited.key!.id).length, 4, 'a refused request stores nothing');
  });

  it('keeps an audit trail: who did what to which key and invite, newest first, by host and time', async () => {
    const c = clock();
    const h = routerHarness({ now: c.now });
    const tick = () => c.advance(1000);
    const a = await h.adminClient.createKey({ host: 'example.com', name: 'a' }, h.admin);
    tick();
    const { invite } = await h.inviteClient.createInvite({}, h.bearer(a.fullKey));
    tick();
    await h.adminClient.disableKey({ host: 'example.com', id: a.key!.id }, h.admin);
    tick();
    await h.adminClient.enableKey({ host: 'example.com', id: a.key!.id }, h.admin);
    tick();
    const rotated = await h.adminClient.rotateKey({ host: 'example.com', id: a.key!.id }, h.admin);
    tick();
    await h.adminClient.createKey({ host: 'chat.example.org' }, h.admin);
    tick();
    await h.adminClient.deleteKey({ host: 'example.com', id: a.key!.id }, h.admin);

    const { events, truncated } = await h.adminClient.listAudit({ host: 'example.com' }, h.admin);
    assert.equal(truncated, false);
    assert.deepEqual(
      events.map((e) => [AuditAction[e.action], e.actor, e.keyId, timestampDate(e.time!).toISOString().slice(11, 19)]),
      [
        ['KEY_DELETED', 'admin', a.key!.id, '10:00:06'],
        ['KEY_ROTATED', 'admin', a.key!.id, '10:00:04'],
        ['KEY_ENABLED', 'admin', a.key!.id, '10:00:03'],
        ['KEY_DISABLED', 'admin', a.key!.id, '10:00:02'],
        ['INVITE_CREATED', `key:${a.key!.id}`, a.key!.id, '10:00:01'],
        ['KEY_CREATED', 'admin', a.key!.id, '10:00:00'],
      ],
    );
    assert.equal(events[4]?.inviteToken, invite!.token);
    assert.equal((await h.adminClient.listAudit({}, h.admin)).events.length, 7, 'no host: every host');
    const since = await h.adminClient.listAudit(
      { host: 'example.com', since: timestampFromDate(new Date('2026-11-28T10:00:03Z')) },
      h.admin,
    );
    assert.deepEqual(
      since.events.map((e) => AuditAction[e.action]),
      ['KEY_DELETED', 'KEY_ROTATED', 'KEY_ENABLED'],
    );
    const page = await h.adminClient.listAudit({ host: 'example.com', pageSize: 2 }, h.admin);
    assert.deepEqual(
      page.events.map((e) => AuditAction[e.action]),
      ['KEY_DELETED', 'KEY_ROTATED'],
    );
    assert.equal(page.truncated, true);
    const text = JSON.stringify(events, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    for (const secret of [a.fullKey.split('/')[1]!, rotated.fullKey.split('/')[1]!]) assert.ok(!text.includes(secret));
  });

  it('refuses audit listings of unknown hosts or oversized pages, and without the admin token', async () => {
    const h = routerHarness();
    assert.equal((await failure(h.adminClient.listAudit({ host: 'nope.net' }, h.admin))).code, Code.InvalidArgument);
    const big = await failure(h.adminClient.listAudit({ pageSize: 1001 }, h.admin));
    assert.equal(big.code, Code.InvalidArgument);
    assert.match(big.rawMessage, /page_size must be at most 1000/);
    assert.equal((await failure(h.adminClient.listAudit({}))).code, Code.Unauthenticated);
    for (const call of [h.adminClient.disableKey, h.adminClient.enableKey, h.adminClient.rotateKey]) {
      assert.equal(
        (await failure(call({ host: 'example.com', id: 'AAAAAAAAAAAA' }, { headers: { authorization: 'Bearer wrong' } }))).code,
        Code.Unauthenticated,
      );
    }
  });
});

describe('audit trail of invite revocations and redemptions (in-memory transport)', () => {
  it('records who revoked and who redeemed which invite', async () => {
    const h = routerHarness();
    const { key, fullKey } = await h.adminClient.createKey({ host: 'example.com' }, h.admin);
    const first = (await h.inviteClient.createInvite({}, h.bearer(fullKey))).invite!;
    const second = (await h.inviteClient.createInvite({}, h.bearer(fullKey))).invite!;
    await h.inviteClient.redeemInvite({ token: first.token, account: 'alice' }, h.bearer(fullKey));
    await h.inviteClient.revokeInvite({ token: second.token, host: 'example.com' }, h.admin);
    const { events } = await h.adminClient.listAudit({ host: 'example.com' }, h.admin);
    const of = (action: AuditAction) => events.filter((e) => e.action === action).map((e) => [e.actor, e.inviteToken, e.keyId]);
    assert.deepEqual(of(AuditAction.INVITE_REDEEMED), [[`key:${key!.id}`, first.token, key!.id]]);
    assert.deepEqual(of(AuditAction.INVITE_REVOKED), [['admin', second.token, key!.id]]);
    assert.equal(of(AuditAction.INVITE_CREATED).length, 2);
  });
});
