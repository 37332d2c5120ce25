import assert from 'node:assert/strict';
import { Code, ConnectError } from '@connectrpc/connect';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { toJsonString } from '@bufbuild/protobuf';
import { InviteStatus, PublicInviteSchema } from '../../gen/invites/v1/invite_pb.js';
import { rejectsWith } from '../support/connect-assertions.js';
import { keyedHarness } from '../support/router-harness.js';

const setup = keyedHarness;

describe('InviteService: creation options (in-memory transport)', () => {
  it('creates an invite with a lifetime, uses, roles, groups and note, and stores them', async () => {
    const h = await setup();
    const { invite } = await h.inviteClient.createInvite(
      { ttlSeconds: 3600, maxUses: 5, roles: ['prosody:member', 'prosody:member'], groups: ['team'], note: ' for the Q3 hires ' },
      h.key,
    );
    assert.ok(invite);
    assert.equal(timestampDate(invite.expireTime!).getTime() - h.now().getTime(), 3600_000);
    assert.equal(invite.maxUses, 5);
    assert.equal(invite.uses, 0);
    assert.deepEqual(invite.roles, ['prosody:member'], 'duplicates dropped');
    assert.deepEqual(invite.groups, ['team']);
    assert.equal(invite.note, 'for the Q3 hires');
    assert.equal(invite.status, InviteStatus.VALID);
    const stored = await h.store.invites.find(invite.token);
    assert.deepEqual([stored?.maxUses, stored?.roles, stored?.groups, stored?.note], [5, ['prosody:member'], ['team'], 'for the Q3 hires']);
  });

  it("defaults to a single use with the host's lifetime", async () => {
    const h = await setup();
    const { invite } = await h.inviteClient.createInvite({}, h.key);
    assert.equal(invite!.maxUses, 1);
    assert.equal(timestampDate(invite!.expireTime!).getTime() - h.now().getTime(), 7 * 86400_000);
  });

  it("refuses a lifetime over the host's maximum instead of shortening it, and stores nothing", async () => {
    const h = await setup({ INVITES_INVITE_TTL: '1h', INVITES_MAX_INVITE_TTL: '1d' });
    await rejectsWith(
      h.inviteClient.createInvite({ ttlSeconds: 86401 }, h.key),
      Code.InvalidArgument,
      /ttl .*at most 86400 seconds \(1d\)/,
    );
    await rejectsWith(h.inviteClient.createInvite({ ttlSeconds: 0 }, h.key), Code.InvalidArgument, /ttl .*at least 1/);
    assert.equal((await h.store.invites.list({ host: 'example.com' }, undefined, 10)).length, 0);
    const { invite } = await h.inviteClient.createInvite({ ttlSeconds: 86400 }, h.key);
    assert.equal(timestampDate(invite!.expireTime!).getTime() - h.now().getTime(), 86400_000);
  });

  const badOptions: Array<[string, Record<string, unknown>, RegExp]> = [
    ['max_uses 0', { maxUses: 0 }, /max_uses .*1 to 1000/],
    ['max_uses 1001', { maxUses: 1001 }, /max_uses .*1 to 1000/],
    ['17 roles', { roles: Array.from({ length: 17 }, (_, i) => `r${i}`) }, /roles: at most 16/],
    ['an empty group', { groups: ['ok', ' '] }, /groups: an entry is empty/],
    ['a role of 101 characters', { roles: ['x'.repeat(101)] }, /roles: .*longer than 100/],
    ['a group with a newline', { groups: ['a\nb'] }, /groups: .*control characters/],
    ['a note of 501 characters', { note: 'n'.repeat(501) }, /note is too long: at most 500/],
    ['a note with a tab', { note: 'a\tb' }, /note must not contain control characters/],
    [
      'a note of 501 code points (emoji)',
      { note: '😀'.repeat(501) },
      /note is too long: at most 500 characters \(Unicode code points\), got 501/,
    ],
    [
      'a note with a right-to-left override',
      { note: 'pay \u202Eexe.txt' },
      /note must not contain control characters or format characters .*found U\+202E/,
    ],
    ['a note with a zero-width space', { note: 'a\u200Bb' }, /note must not contain .*U\+200B/],
    ['a note with a word joiner', { note: 'a\u2060b' }, /note must not contain .*U\+2060/],
    ['a note with a line separator', { note: 'a\u2028b' }, /note must not contain .*U\+2028/],
    ['a note with a paragraph separator', { note: 'a\u2029b' }, /note must not contain .*U\+2029/],
    ['a role with a right-to-left override', { roles: ['ad\u202Emin'] }, /roles: .*U\+202E/],
    ['a group with a zero-width space', { groups: ['staff\u200B'] }, /groups: .*U\+200B/],
    ['a username with a zero-width space', { username: 'bo\u200Bb' }, /^username must be a local username/],
    ['an inviter with a right-to-left override', { inviter: 'ali\u202Ece' }, /^inviter must be a local username/],
  ];
  it('counts a note in code points, as the docs say: 300 emoji and 500 accented letters fit', async () => {
    const h = await setup();
    for (const note of ['😀'.repeat(300), 'é'.repeat(500), '👩\u200D💻 family: 👨\u200D👩\u200D👧']) {
      const { invite } = await h.inviteClient.createInvite({ note }, h.key);
      assert.equal(invite!.note, note);
    }
  });

  for (const [what, options, message] of badOptions) {
    it(`refuses ${what} with InvalidArgument naming it`, async () => {
      const h = await setup();
      await rejectsWith(h.inviteClient.createInvite(options, h.key), Code.InvalidArgument, message);
    });
  }

  it('lets the admin token create invites on a host it names, with source "admin"', async () => {
    const h = await setup();
    const { invite } = await h.inviteClient.createInvite({ host: 'Chat.Example.org', maxUses: 2 }, h.admin);
    assert.equal(invite!.host, 'chat.example.org');
    assert.equal(invite!.source, 'admin');
    assert.equal(invite!.landingPageUrl, `https://invite.example.org/invite?${invite!.token}`);
    assert.equal((await h.store.invites.find(invite!.token))?.keyId, undefined);
    await rejectsWith(h.inviteClient.createInvite({}, h.admin), Code.InvalidArgument, /host is required with the admin token/);
    await rejectsWith(h.inviteClient.createInvite({ host: 'nowhere.net' }, h.admin), Code.InvalidArgument, /nowhere\.net.*not configured/);
  });

  it('keeps a key to its own host', async () => {
    const h = await setup();
    await rejectsWith(
      h.inviteClient.createInvite({ host: 'chat.example.org' }, h.key),
      Code.InvalidArgument,
      /only on its own host \(example\.com\)/,
    );
    const { invite } = await h.inviteClient.createInvite({ host: 'example.com' }, h.key);
    assert.equal(invite!.host, 'example.com');
  });

  it('answers a wrong admin token exactly like a wrong key', async () => {
    const h = await setup();
    const wrongAdmin = await h.inviteClient
      .createInvite({ host: 'example.com' }, h.bearer('not-the-admin-token-at-all'))
      .catch((e: ConnectError) => e);
    const wrongKey = await h.inviteClient.createInvite({}, h.bearer(`AAAAAAAAAAAA/${'A'.repeat(36)}`)).catch((e: ConnectError) => e);
    assert.ok(wrongAdmin instanceof ConnectError && wrongKey instanceof ConnectError);
    assert.equal(wrongAdmin.code, Code.Unauthenticated);
    assert.equal(wrongAdmin.rawMessage, wrongKey.rawMessage);
  });
});

describe('InviteService: GetInvite, RedeemInvite, RevokeInvite, ListInvites (in-memory transport)', () => {
  it('shows anyone holding the token what a landing page needs, and nothing about its creator', async () => {
    const h = await setup();
    const { invite } = await h.inviteClient.createInvite({ maxUses: 3, note: 'secret note', roles: ['admin'] }, h.key);
    const { invite: pub } = await h.inviteClient.getInvite({ token: invite!.token });
    assert.ok(pub);
    assert.equal(pub.host, 'example.com');
    assert.equal(pub.uri, invite!.uri);
    assert.equal(pub.landingPageUrl, invite!.landingPageUrl);
    assert.equal(pub.status, InviteStatus.VALID);
    assert.equal(pub.remainingUses, 3);
    assert.deepEqual(pub.expireTime, invite!.expireTime);
    const wire = toJsonString(PublicInviteSchema, pub);
    for (const hidden of [h.keyId, 'secret note', 'api/token', '"admin"']) assert.ok(!wire.includes(hidden), `${hidden} is not shown`);
  });

  it('says NotFound for unknown and malformed tokens', async () => {
    const h = await setup();
    await rejectsWith(h.inviteClient.getInvite({ token: 'AAAAAAAAAAAAAAAAAAAAAAAA' }), Code.NotFound, /invite not found/);
    await rejectsWith(h.inviteClient.getInvite({ token: '' }), Code.NotFound);
    await rejectsWith(h.inviteClient.getInvite({ token: '{"$ne":null}' }), Code.NotFound);
  });

  it('redeems a single-use invite once, records the account, then says it is used up', async () => {
    const h = await setup();
    const { invite } = await h.inviteClient.createInvite({ roles: ['prosody:member'], groups: ['team'] }, h.key);
    const token = invite!.token;
    const redeemedAt = h.advance(60);
    const res = await h.inviteClient.redeemInvite({ token, account: 'alice@example.com' }, h.key);
    assert.equal(res.redemption?.use, 1);
    assert.equal(res.redemption?.account, 'alice@example.com');
    assert.equal(timestampDate(res.redemption!.redeemTime!).toISOString(), redeemedAt.toISOString());
    assert.deepEqual(res.invite?.roles, ['prosody:member'], 'the registration side gets the roles');
    assert.deepEqual(res.invite?.groups, ['team']);
    assert.equal(res.invite?.uses, 1);
    assert.equal(res.invite?.status, InviteStatus.USED_UP);
    await rejectsWith(
      h.inviteClient.redeemInvite({ token, account: 'bob' }, h.key),
      Code.FailedPrecondition,
      /^invite used up: this invite has already been used/,
    );
    assert.equal((await h.inviteClient.getInvite({ token })).invite?.status, InviteStatus.USED_UP);
  });

  it('answers a retried redeem (same account) with its first redemption, taking no other use', async () => {
    const h = await setup();
    const { invite } = await h.inviteClient.createInvite({ maxUses: 2 }, h.key);
    const token = invite!.token;
    const redeemedAt = h.advance(5);
    const first = await h.inviteClient.redeemInvite({ token, account: 'alice' }, h.key);
    h.advance(30);
    const retried = await h.inviteClient.redeemInvite({ token, account: 'alice' }, h.key);
    assert.equal(retried.redemption?.use, 1);
    assert.equal(timestampDate(retried.redemption!.redeemTime!).toISOString(), redeemedAt.toISOString());
    assert.deepEqual(
      retried.invite?.redemptions.map((r) => r.account),
      ['alice'],
    );
    assert.equal(retried.invite?.uses, first.invite?.uses);
    assert.equal((await h.inviteClient.redeemInvite({ token, account: 'bob' }, h.key)).redemption?.use, 2, 'the second use is still free');
    // Used up now, yet alice's retry still gets her use rather than an error.
    assert.equal((await h.inviteClient.redeemInvite({ token, account: 'alice' }, h.key)).redemption?.use, 1);
    await rejectsWith(h.inviteClient.redeemInvite({ token, account: 'carol' }, h.key), Code.FailedPrecondition, /^invite used up: /);
  });

  it('refuses an expired invite with FailedPrecondition saying so', async () => {
    const h = await setup();
    const { invite } = await h.inviteClient.createInvite({ ttlSeconds: 60 }, h.key);
    h.advance(60);
    await rejectsWith(
      h.inviteClient.redeemInvite({ token: invite!.token, account: 'alice' }, h.key),
      Code.FailedPrecondition,
      /^invite expired: /,
    );
    assert.equal((await h.inviteClient.getInvite({ token: invite!.token })).invite?.status, InviteStatus.EXPIRED);
  });

  it('hands out each use of a 5-use invite to exactly one of 64 concurrent redeems', async () => {
    const h = await setup();
    const { invite } = await h.inviteClient.createInvite({ maxUses: 5 }, h.key);
    const results = await Promise.allSettled(
      Array.from({ length: 64 }, (_, n) => h.inviteClient.redeemInvite({ token: invite!.token, account: `user${n}` }, h.key)),
    );
    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.redemption!] : []));
    assert.equal(won.length, 5);
    assert.deepEqual(won.map((r) => r.use).sort(), [1, 2, 3, 4, 5]);
    for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as ConnectError).code, Code.FailedPrecondition);
  });

  it("needs a key of the invite's host (or the admin token) to redeem, and a sensible account", async () => {
    const h = await setup();
    const { invite } = await h.inviteClient.createInvite({ maxUses: 3 }, h.key);
    const token = invite!.token;
    const other = await h.adminClient.createKey({ host: 'chat.example.org' }, h.admin);
    await rejectsWith(h.inviteClient.redeemInvite({ token, account: 'alice' }), Code.Unauthenticated);
    await rejectsWith(h.inviteClient.redeemInvite({ token, account: 'alice' }, h.bearer(other.fullKey)), Code.NotFound);
    for (const account of ['', 'al ice', 'a\nb', 'x'.repeat(1024)]) {
      await rejectsWith(
        h.inviteClient.redeemInvite({ token, account }, h.key),
        Code.InvalidArgument,
        /account must be 1 to 1023 characters/,
      );
    }
    const sameHost = await h.adminClient.createKey({ host: 'example.com', name: 'registration' }, h.admin);
    assert.equal((await h.inviteClient.redeemInvite({ token, account: 'alice' }, h.bearer(sameHost.fullKey))).redemption?.use, 1);
    assert.equal((await h.inviteClient.redeemInvite({ token, account: 'bob' }, h.admin)).redemption?.use, 2);
  });

  it('revokes for the creating key or the admin only; after that nothing can redeem it', async () => {
    const h = await setup();
    const { invite } = await h.inviteClient.createInvite({ maxUses: 3 }, h.key);
    const token = invite!.token;
    await h.inviteClient.redeemInvite({ token, account: 'alice' }, h.key);
    const sibling = await h.adminClient.createKey({ host: 'example.com' }, h.admin);
    await rejectsWith(h.inviteClient.revokeInvite({ token }, h.bearer(sibling.fullKey)), Code.NotFound, /invite not found/);
    await rejectsWith(h.inviteClient.revokeInvite({ token, host: 'chat.example.org' }, h.key), Code.NotFound);
    const revokedAt = h.advance(10);
    const { invite: revoked } = await h.inviteClient.revokeInvite({ token }, h.key);
    assert.equal(revoked?.status, InviteStatus.REVOKED);
    assert.equal(timestampDate(revoked!.revokeTime!).toISOString(), revokedAt.toISOString());
    assert.deepEqual(
      revoked?.redemptions.map((r) => r.account),
      ['alice'],
      'the earlier use is kept',
    );
    await rejectsWith(h.inviteClient.redeemInvite({ token, account: 'bob' }, h.key), Code.FailedPrecondition, /^invite revoked: /);
    const again = await h.inviteClient.revokeInvite({ token, host: 'example.com' }, h.admin);
    assert.equal(again.invite?.status, InviteStatus.REVOKED, 'revoking twice is fine');
    assert.equal((await h.inviteClient.getInvite({ token })).invite?.status, InviteStatus.REVOKED);
    assert.equal((await h.inviteClient.getInvite({ token })).invite?.remainingUses, 0);
  });

  it("lists a key's own invites, newest first, with uses and accounts", async () => {
    const h = await setup();
    const sibling = await h.adminClient.createKey({ host: 'example.com' }, h.admin);
    const mine: string[] = [];
    for (let i = 0; i < 3; i++) {
      mine.push((await h.inviteClient.createInvite({ note: `n${i}` }, h.key)).invite!.token);
      h.advance(1);
    }
    await h.inviteClient.createInvite({}, h.bearer(sibling.fullKey));
    await h.inviteClient.redeemInvite({ token: mine[0]!, account: 'alice' }, h.key);
    const { invites, nextPageToken } = await h.inviteClient.listInvites({}, h.key);
    assert.deepEqual(
      invites.map((i) => i.token),
      [...mine].reverse(),
    );
    assert.equal(nextPageToken, '');
    const used = invites.find((i) => i.token === mine[0])!;
    assert.equal(used.uses, 1);
    assert.deepEqual(
      used.redemptions.map((r) => r.account),
      ['alice'],
    );
    assert.equal(used.status, InviteStatus.USED_UP);
    await rejectsWith(
      h.inviteClient.listInvites({ host: 'chat.example.org' }, h.key),
      Code.InvalidArgument,
      /host: an API key lists only the invites it created/,
    );
  });

  it("lists any host's invites for the admin, filtered by status", async () => {
    const h = await setup();
    const make = async (options: Record<string, unknown> = {}) => (await h.inviteClient.createInvite(options, h.key)).invite!.token;
    const expired = await make({ ttlSeconds: 60 });
    const usedUp = await make();
    const revoked = await make();
    const valid = await make({ maxUses: 2 });
    const adminMade = (await h.inviteClient.createInvite({ host: 'example.com' }, h.admin)).invite!.token;
    await h.inviteClient.createInvite({ host: 'chat.example.org' }, h.admin);
    await h.inviteClient.redeemInvite({ token: usedUp, account: 'alice' }, h.key);
    await h.inviteClient.redeemInvite({ token: valid, account: 'bob' }, h.key);
    await h.inviteClient.revokeInvite({ token: revoked }, h.key);
    h.advance(120);
    const list = async (status: InviteStatus) =>
      (await h.inviteClient.listInvites({ host: 'example.com', status }, h.admin)).invites.map((i) => i.token).sort();
    assert.deepEqual(await list(InviteStatus.UNSPECIFIED), [expired, usedUp, revoked, valid, adminMade].sort());
    assert.deepEqual(await list(InviteStatus.VALID), [valid, adminMade].sort());
    assert.deepEqual(await list(InviteStatus.EXPIRED), [expired]);
    assert.deepEqual(await list(InviteStatus.USED_UP), [usedUp]);
    assert.deepEqual(await list(InviteStatus.REVOKED), [revoked]);
    await rejectsWith(h.inviteClient.listInvites({}, h.admin), Code.InvalidArgument, /host is required with the admin token/);
    await rejectsWith(h.inviteClient.listInvites({ host: 'example.com' }), Code.Unauthenticated);
  });

  it('pages through invites without losing or repeating any, also with a status filter', async () => {
    const h = await setup();
    const tokens: string[] = [];
    for (let i = 0; i < 7; i++) {
      tokens.unshift((await h.inviteClient.createInvite({}, h.key)).invite!.token);
      if (i % 2 === 0) h.advance(1); // some share a creation time
    }
    const walk = async (status: InviteStatus, pageSize: number) => {
      const seen: string[][] = [];
      let pageToken = '';
      do {
        const page = await h.inviteClient.listInvites({ host: 'example.com', status, pageSize, pageToken }, h.admin);
        seen.push(page.invites.map((i) => i.token));
        pageToken = page.nextPageToken;
      } while (pageToken && seen.length < 20);
      return seen;
    };
    const pages = await walk(InviteStatus.UNSPECIFIED, 3);
    assert.deepEqual(
      pages.map((p) => p.length),
      [3, 3, 1],
    );
    const all = (await h.inviteClient.listInvites({ host: 'example.com' }, h.admin)).invites.map((i) => i.token);
    assert.deepEqual(pages.flat(), all);
    assert.deepEqual(new Set(all), new Set(tokens));
    // Redeem every other one: the VALID pages hold exactly the rest, in order.
    for (const t of all.filter((_, i) => i % 2 === 1)) await h.inviteClient.redeemInvite({ token: t, account: 'x' }, h.key);
    const valid = await walk(InviteStatus.VALID, 2);
    assert.deepEqual(
      valid.flat(),
      all.filter((_, i) => i % 2 === 0),
    );
    assert.ok(valid.every((p) => p.length <= 2));
  });

  it('refuses a page token of another listing, a forged one, and a negative page size', async () => {
    const h = await setup();
    for (let i = 0; i < 3; i++) await h.inviteClient.createInvite({}, h.key);
    const { nextPageToken } = await h.inviteClient.listInvites({ host: 'example.com', pageSize: 1 }, h.admin);
    assert.ok(nextPageToken);
    await rejectsWith(
      h.inviteClient.listInvites({ host: 'example.com', status: InviteStatus.REVOKED, pageToken: nextPageToken }, h.admin),
      Code.InvalidArgument,
      /page_token belongs to a listing with another host or status/,
    );
    await rejectsWith(
      h.inviteClient.listInvites({ host: 'example.com', pageToken: 'bm90IGEgdG9rZW4' }, h.admin),
      Code.InvalidArgument,
      /page_token is not valid/,
    );
    await rejectsWith(h.inviteClient.listInvites({ host: 'example.com', pageSize: -1 }, h.admin), Code.InvalidArgument, /page_size/);
    const capped = await h.inviteClient.listInvites({ host: 'example.com', pageSize: 100_000 }, h.admin);
    assert.equal(capped.invites.length, 3);
  });
});
