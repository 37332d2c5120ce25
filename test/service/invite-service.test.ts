import assert from 'node:assert/strict';
import { Code, ConnectError } from '@connectrpc/connect';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { InviteType } from '../../gen/invites/v1/invite_pb.js';
import { createMemoryStore } from '../support/memory-store.js';
import { rejectsWith } from '../support/connect-assertions.js';
import { routerHarness } from '../support/router-harness.js';

describe('InviteService.CreateInvite (in-memory transport)', () => {
  it("creates an invite on the key's host with token, uri, landing page, expiry and source", async () => {
    const now = new Date('2026-11-28T10:00:00Z');
    const h = routerHarness({ now: () => now });
    const { key, fullKey } = await h.adminClient.createKey({ host: 'chat.example.org', name: 'bot' }, h.admin);
    const { invite } = await h.inviteClient.createInvite({}, h.bearer(fullKey));
    assert.ok(invite);
    assert.match(invite.token, /^[A-Za-z0-9_-]{24}$/);
    assert.equal(invite.host, 'chat.example.org');
    assert.equal(invite.type, InviteType.REGISTER);
    assert.equal(invite.uri, `xmpp:chat.example.org?register;preauth=${invite.token}`);
    assert.equal(invite.landingPageUrl, `https://invite.example.org/invite?${invite.token}`);
    assert.equal(invite.source, `api/token/${key!.id}`);
    assert.equal(timestampDate(invite.createTime!).toISOString(), now.toISOString());
    assert.equal(timestampDate(invite.expireTime!).getTime() - now.getTime(), 7 * 86400 * 1000);
    const stored = await h.store.invites.find(invite.token);
    assert.equal(stored?.host, 'chat.example.org');
  });

  it("uses the host's own invite lifetime and landing page template", async () => {
    const now = new Date('2026-11-28T10:00:00Z');
    const h = routerHarness({ now: () => now, env: { INVITES_HOSTS: 'example.com=https://example.com', INVITES_INVITE_TTL: '2h' } });
    const { fullKey } = await h.adminClient.createKey({ host: 'example.com' }, h.admin);
    const { invite } = await h.inviteClient.createInvite({}, h.bearer(fullKey));
    assert.equal(timestampDate(invite!.expireTime!).getTime() - now.getTime(), 2 * 3600 * 1000);
  });

  it('asks for a key when none is sent', async () => {
    const h = routerHarness();
    await rejectsWith(h.inviteClient.createInvite({}), Code.Unauthenticated, /API key is required/);
  });

  it('gives malformed, unknown, wrong and deleted keys the same answer', async () => {
    const h = routerHarness();
    const { key, fullKey } = await h.adminClient.createKey({ host: 'example.com' }, h.admin);
    const [id] = fullKey.split('/');
    const other = (await h.adminClient.createKey({ host: 'example.com' }, h.admin)).fullKey.split('/')[1];
    const messages: string[] = [];
    for (const bad of ['garbage', `${id}/${other}`, `AAAAAAAAAAAA/${other}`, `${id}/${'A'.repeat(36)}`]) {
      const err = await h.inviteClient.createInvite({}, h.bearer(bad)).catch((e: ConnectError) => e);
      assert.ok(err instanceof ConnectError);
      assert.equal(err.code, Code.Unauthenticated);
      messages.push(err.rawMessage);
    }
    await h.adminClient.deleteKey({ host: 'example.com', id: key!.id }, h.admin);
    const deleted = await h.inviteClient.createInvite({}, h.bearer(fullKey)).catch((e: ConnectError) => e);
    assert.ok(deleted instanceof ConnectError);
    messages.push(deleted.rawMessage);
    assert.equal(new Set(messages).size, 1, `different messages: ${messages.join(' | ')}`);
    assert.match(messages[0]!, /not valid/);
  });

  it('refuses an Authorization header that is not Bearer', async () => {
    const h = routerHarness();
    const { fullKey } = await h.adminClient.createKey({ host: 'example.com' }, h.admin);
    await rejectsWith(
      h.inviteClient.createInvite({}, { headers: { authorization: `Basic ${fullKey}` } }),
      Code.Unauthenticated,
      /not valid/,
    );
  });

  it('hides the text of unexpected errors behind Internal', async () => {
    const store = createMemoryStore();
    const h = routerHarness({ store });
    const { fullKey } = await h.adminClient.createKey({ host: 'example.com' }, h.admin);
    store.invites.insert = async () => {
      throw new Error('connection to db-7.internal:27017 lost, password=hunter2');
    };
    const err = await h.inviteClient.createInvite({}, h.bearer(fullKey)).catch((e: ConnectError) => e);
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, Code.Internal);
    assert.doesNotMatch(err.rawMessage, /hunter2|db-7/);
    assert.equal(h.unexpected.length, 1, 'the original error reaches the log hook');
  });

  it('makes 50 concurrent invites with 50 distinct tokens, all stored', async () => {
    const h = routerHarness();
    const { fullKey } = await h.adminClient.createKey({ host: 'example.com' }, h.admin);
    const results = await Promise.all(Array.from({ length: 50 }, () => h.inviteClient.createInvite({}, h.bearer(fullKey))));
    const tokens = new Set(results.map((r) => r.invite!.token));
    assert.equal(tokens.size, 50);
    for (const token of tokens) assert.ok(await h.store.invites.find(token));
  });
});
