import assert from 'node:assert/strict';
import { Code } from '@connectrpc/connect';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { rejectsWith } from '../support/connect-assertions.js';
import { routerHarness } from '../support/router-harness.js';

async function setup(rateLimitPerMinute = 1000) {
  const h = routerHarness();
  const { key, fullKey } = await h.adminClient.createKey({ host: 'example.com', rateLimitPerMinute }, h.admin);
  return { ...h, keyId: key!.id, key: h.bearer(fullKey) };
}

const stored = async (h: Awaited<ReturnType<typeof setup>>) =>
  (await h.store.invites.list({ host: 'example.com' }, undefined, 2000)).length;

describe('InviteService.CreateInvites (in-memory transport)', () => {
  it('creates count invites with the same options, each with its own token and links', async () => {
    const h = await setup();
    const { invites } = await h.inviteClient.createInvites(
      { count: 200, options: { ttlSeconds: 3600, maxUses: 2, groups: ['class-2026'], note: 'class' } },
      h.key,
    );
    assert.equal(invites.length, 200);
    assert.equal(new Set(invites.map((i) => i.token)).size, 200);
    for (const i of invites) {
      assert.deepEqual([i.maxUses, i.groups, i.note, i.source], [2, ['class-2026'], 'class', `api/token/${h.keyId}`]);
      assert.match(i.landingPageUrl, new RegExp(`/invite\\?${i.token}$`));
      assert.equal(timestampDate(i.expireTime!).getTime() - timestampDate(i.createTime!).getTime(), 3600_000);
    }
    assert.equal(await stored(h), 200);
  });

  it('counts each invite against the key rate limit, all or nothing', async () => {
    const h = await setup(10);
    await h.inviteClient.createInvites({ count: 7 }, h.key);
    await rejectsWith(
      h.inviteClient.createInvites({ count: 4 }, h.key),
      Code.ResourceExhausted,
      /10 invites per minute \(4 asked at once, none created\)/,
    );
    assert.equal(await stored(h), 7, 'nothing created over the limit');
    const { invites } = await h.inviteClient.createInvites({ count: 3 }, h.key);
    assert.equal(invites.length, 3);
    await rejectsWith(h.inviteClient.createInvite({}, h.key), Code.ResourceExhausted);
    await rejectsWith(h.inviteClient.createInvites({ count: 11 }, h.key), Code.ResourceExhausted, /11 at once never fit/);
  });

  it('refuses a count outside 1..1000 and bad options, creating nothing', async () => {
    const h = await setup();
    await rejectsWith(h.inviteClient.createInvites({ count: 0 }, h.key), Code.InvalidArgument, /count .*1 to 1000 \(got 0\)/);
    await rejectsWith(h.inviteClient.createInvites({ count: 1001 }, h.key), Code.InvalidArgument, /count .*1 to 1000/);
    await rejectsWith(h.inviteClient.createInvites({ count: 5, options: { maxUses: 0 } }, h.key), Code.InvalidArgument, /max_uses/);
    assert.equal(await stored(h), 0);
  });

  it('with the admin token, on the host it names', async () => {
    const h = await setup();
    const { invites } = await h.inviteClient.createInvites({ count: 3, options: { host: 'chat.example.org' } }, h.admin);
    assert.deepEqual(
      invites.map((i) => [i.host, i.source]),
      Array(3).fill(['chat.example.org', 'admin']),
    );
  });
});
