import assert from 'node:assert/strict';
import { Code, ConnectError } from '@connectrpc/connect';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { InviteStatus, InviteType } from '../../gen/invites/v1/invite_pb.js';
import { rejectsWith } from '../support/connect-assertions.js';
import { routerHarness } from '../support/router-harness.js';

/** A harness on a clock the test moves, with one key on example.com and one on chat.example.org. */
async function setup(env: Record<string, string> = {}) {
  let now = new Date('2026-11-28T10:00:00Z');
  const h = routerHarness({ now: () => now, env });
  const { fullKey } = await h.adminClient.createKey({ host: 'example.com', name: 'prosody' }, h.admin);
  const other = await h.adminClient.createKey({ host: 'chat.example.org', name: 'prosody' }, h.admin);
  return {
    ...h,
    key: h.bearer(fullKey),
    otherHostKey: h.bearer(other.fullKey),
    now: () => now,
    advance: (seconds: number) => (now = new Date(now.getTime() + seconds * 1000)),
  };
}

describe('InviteService: invite kinds and their URIs (in-memory transport)', () => {
  it('builds the URIs Prosody 0.12 builds for each kind, and lists the kind, username and inviter', async () => {
    const h = await setup();
    const plain = (await h.inviteClient.createInvite({}, h.key)).invite!;
    assert.equal(plain.uri, `xmpp:example.com?register;preauth=${plain.token}`);
    assert.deepEqual([plain.type, plain.username, plain.inviter, plain.allowRegistration], [InviteType.REGISTER, '', '', true]);

    const bound = (await h.inviteClient.createInvite({ type: InviteType.REGISTER, username: 'bob', inviter: 'alice' }, h.key)).invite!;
    assert.equal(bound.uri, `xmpp:bob@example.com?register;preauth=${bound.token}`);
    assert.deepEqual([bound.username, bound.inviter], ['bob', 'alice']);

    const reset = (await h.inviteClient.createInvite({ type: InviteType.PASSWORD_RESET, username: 'carol' }, h.key)).invite!;
    assert.equal(reset.uri, `xmpp:carol@example.com?register;preauth=${reset.token}`);
    assert.equal(reset.type, InviteType.PASSWORD_RESET);

    const contact = (await h.inviteClient.createInvite({ type: InviteType.ROSTER, inviter: 'alice' }, h.key)).invite!;
    assert.equal(contact.uri, `xmpp:alice@example.com?roster;preauth=${contact.token}`);
    assert.equal(contact.allowRegistration, false);
    const contactIbr = (await h.inviteClient.createInvite({ type: InviteType.ROSTER, inviter: 'alice', allowRegistration: true }, h.key))
      .invite!;
    assert.equal(contactIbr.uri, `xmpp:alice@example.com?roster;preauth=${contactIbr.token};ibr=y`);

    const pub = (await h.inviteClient.getInvite({ token: bound.token })).invite!;
    assert.deepEqual([pub.type, pub.username, pub.inviter, pub.uri], [InviteType.REGISTER, 'bob', 'alice', bound.uri]);

    const byAlice = await h.inviteClient.listInvites({ inviter: 'alice' }, h.key);
    assert.deepEqual(byAlice.invites.map((i) => i.token).sort(), [bound.token, contact.token, contactIbr.token].sort());
    const all = await h.inviteClient.listInvites({}, h.key);
    assert.equal(all.invites.length, 5);
  });

  it('refuses a bad kind, username or inviter with InvalidArgument naming the field, and stores nothing', async () => {
    const h = await setup();
    await rejectsWith(
      h.inviteClient.createInvite({ type: InviteType.PASSWORD_RESET }, h.key),
      Code.InvalidArgument,
      /^username is required for a password-reset invite/,
    );
    await rejectsWith(
      h.inviteClient.createInvite({ type: InviteType.ROSTER, username: 'bob', inviter: 'alice' }, h.key),
      Code.InvalidArgument,
      /^username must be empty for a contact/,
    );
    await rejectsWith(
      h.inviteClient.createInvite({ type: InviteType.ROSTER }, h.key),
      Code.InvalidArgument,
      /^inviter is required for a contact/,
    );
    await rejectsWith(
      h.inviteClient.createInvite({ username: 'bob@example.com' }, h.key),
      Code.InvalidArgument,
      /^username must be a local username/,
    );
    await rejectsWith(h.inviteClient.createInvite({ inviter: 'al ice' }, h.key), Code.InvalidArgument, /^inviter must be a local username/);
    await rejectsWith(
      h.inviteClient.createInvite({ inviter: 'a'.repeat(1024) }, h.key),
      Code.InvalidArgument,
      /^inviter must be a local username.*1023/,
    );
    await rejectsWith(h.inviteClient.createInvite({ type: 9 as InviteType }, h.key), Code.InvalidArgument, /^type 9 is not an invite type/);
    assert.equal((await h.inviteClient.listInvites({}, h.key)).invites.length, 0);
  });
});

describe('InviteService: HoldInvite, ConfirmInvite, ReleaseInvite (in-memory transport)', () => {
  it('holds a use, counts it as taken, and confirms it into a redemption, the same one on a retry', async () => {
    const h = await setup();
    const { invite } = await h.inviteClient.createInvite({ roles: ['prosody:member'], groups: ['team'] }, h.key);
    const token = invite!.token;
    const hold = await h.inviteClient.holdInvite({ token, account: 'alice' }, h.key);
    assert.equal(hold.use, 1);
    assert.ok(hold.holdId.length >= 20);
    assert.equal(timestampDate(hold.holdExpireTime!).getTime() - h.now().getTime(), 300_000, 'the default hold lifetime is 5 minutes');
    assert.deepEqual(
      [hold.invite?.roles, hold.invite?.groups],
      [['prosody:member'], ['team']],
      'the registration side learns roles and groups',
    );

    const pub = (await h.inviteClient.getInvite({ token })).invite!;
    assert.deepEqual([pub.status, pub.remainingUses], [InviteStatus.USED_UP, 0], 'a held use is not remaining');
    await rejectsWith(h.inviteClient.holdInvite({ token, account: 'bob' }, h.key), Code.FailedPrecondition, /^invite used up/);
    await rejectsWith(h.inviteClient.redeemInvite({ token, account: 'bob' }, h.key), Code.FailedPrecondition, /^invite used up/);

    h.advance(10);
    const confirmed = await h.inviteClient.confirmInvite({ token, holdId: hold.holdId }, h.key);
    assert.deepEqual([confirmed.redemption?.use, confirmed.redemption?.account], [1, 'alice']);
    assert.equal(timestampDate(confirmed.redemption!.redeemTime!).getTime(), h.now().getTime());
    assert.deepEqual(
      confirmed.invite?.redemptions.map((r) => r.account),
      ['alice'],
    );
    h.advance(10);
    const again = await h.inviteClient.confirmInvite({ token, holdId: hold.holdId }, h.key);
    assert.deepEqual(again.redemption, confirmed.redemption, 'a retried confirm answers the same redemption');
    const audit = await h.adminClient.listAudit({ host: 'example.com' }, h.admin);
    assert.equal(audit.events.filter((e) => e.inviteToken === token && e.action === 8).length, 1, 'one invite_redeemed event');
    await rejectsWith(
      h.inviteClient.releaseInvite({ token, holdId: hold.holdId }, h.key),
      Code.FailedPrecondition,
      /^hold already confirmed/,
    );
  });

  it('gives a released use back, and says so to a later confirm; release is idempotent', async () => {
    const h = await setup();
    const token = (await h.inviteClient.createInvite({}, h.key)).invite!.token;
    const hold = await h.inviteClient.holdInvite({ token, account: 'alice' }, h.key);
    await h.inviteClient.releaseInvite({ token, holdId: hold.holdId }, h.key);
    await h.inviteClient.releaseInvite({ token, holdId: hold.holdId }, h.key);
    assert.equal((await h.inviteClient.getInvite({ token })).invite?.remainingUses, 1);
    await rejectsWith(h.inviteClient.confirmInvite({ token, holdId: hold.holdId }, h.key), Code.FailedPrecondition, /^hold released/);
    const second = await h.inviteClient.holdInvite({ token, account: 'bob' }, h.key);
    assert.equal(second.use, 1);
    assert.equal((await h.inviteClient.confirmInvite({ token, holdId: second.holdId }, h.key)).redemption?.account, 'bob');
  });

  it('lets a hold lapse after INVITES_HOLD_TTL: its use goes to the next registration, and its confirm fails', async () => {
    const h = await setup({ INVITES_HOLD_TTL: '90s' });
    const token = (await h.inviteClient.createInvite({}, h.key)).invite!.token;
    const first = await h.inviteClient.holdInvite({ token, account: 'alice' }, h.key);
    h.advance(89);
    await rejectsWith(h.inviteClient.holdInvite({ token, account: 'bob' }, h.key), Code.FailedPrecondition, /^invite used up/);
    h.advance(2);
    assert.equal((await h.inviteClient.getInvite({ token })).invite?.remainingUses, 1, 'a lapsed hold is not counted');
    const second = await h.inviteClient.holdInvite({ token, account: 'bob' }, h.key);
    assert.equal(second.use, 1);
    await rejectsWith(
      h.inviteClient.confirmInvite({ token, holdId: first.holdId }, h.key),
      Code.FailedPrecondition,
      /^hold lapsed: it was not confirmed within 90s/,
    );
    assert.equal((await h.inviteClient.confirmInvite({ token, holdId: second.holdId }, h.key)).redemption?.account, 'bob');
  });

  it('one-phase RedeemInvite reclaims a lapsed hold too', async () => {
    const h = await setup();
    const token = (await h.inviteClient.createInvite({}, h.key)).invite!.token;
    await h.inviteClient.holdInvite({ token, account: 'alice' }, h.key);
    h.advance(301);
    assert.equal((await h.inviteClient.redeemInvite({ token, account: 'bob' }, h.key)).redemption?.use, 1);
  });

  it('refuses another account on a username-bound or reset invite, and takes no use', async () => {
    const h = await setup();
    const bound = (await h.inviteClient.createInvite({ username: 'bob' }, h.key)).invite!.token;
    await rejectsWith(
      h.inviteClient.holdInvite({ token: bound, account: 'mallory' }, h.key),
      Code.FailedPrecondition,
      /^this invite is for the account bob/,
    );
    await rejectsWith(
      h.inviteClient.redeemInvite({ token: bound, account: 'mallory' }, h.key),
      Code.FailedPrecondition,
      /^this invite is for the account bob/,
    );
    assert.equal((await h.inviteClient.getInvite({ token: bound })).invite?.remainingUses, 1);
    assert.equal(
      (await h.inviteClient.holdInvite({ token: bound, account: 'bob@example.com' }, h.key)).use,
      1,
      'the full address of the bound account is it too',
    );

    const reset = (await h.inviteClient.createInvite({ type: InviteType.PASSWORD_RESET, username: 'carol' }, h.key)).invite!.token;
    await rejectsWith(
      h.inviteClient.holdInvite({ token: reset, account: 'dave' }, h.key),
      Code.FailedPrecondition,
      /^this invite is for the account carol/,
    );
    const held = await h.inviteClient.holdInvite({ token: reset, account: 'carol' }, h.key);
    assert.equal(held.invite?.type, InviteType.PASSWORD_RESET);
  });

  it('ends every hold when the invite is revoked: no confirm succeeds afterwards, no hold is given', async () => {
    const h = await setup();
    const token = (await h.inviteClient.createInvite({ maxUses: 3 }, h.key)).invite!.token;
    const a = await h.inviteClient.holdInvite({ token, account: 'alice' }, h.key);
    await h.inviteClient.holdInvite({ token, account: 'bob' }, h.key);
    await h.inviteClient.revokeInvite({ token }, h.key);
    await rejectsWith(h.inviteClient.confirmInvite({ token, holdId: a.holdId }, h.key), Code.FailedPrecondition, /^invite revoked/);
    await rejectsWith(h.inviteClient.holdInvite({ token, account: 'carol' }, h.key), Code.FailedPrecondition, /^invite revoked/);
    h.advance(3600);
    await rejectsWith(h.inviteClient.holdInvite({ token, account: 'carol' }, h.key), Code.FailedPrecondition, /^invite revoked/);
    await rejectsWith(h.inviteClient.redeemInvite({ token, account: 'carol' }, h.key), Code.FailedPrecondition, /^invite revoked/);
  });

  it("needs a key of the invite's host, a sensible account and a known hold", async () => {
    const h = await setup();
    const token = (await h.inviteClient.createInvite({}, h.key)).invite!.token;
    await rejectsWith(h.inviteClient.holdInvite({ token, account: 'alice' }), Code.Unauthenticated);
    await rejectsWith(h.inviteClient.holdInvite({ token, account: 'alice' }, h.otherHostKey), Code.NotFound, /^invite not found/);
    await rejectsWith(h.inviteClient.holdInvite({ token, account: 'al ice' }, h.key), Code.InvalidArgument, /^account must be/);
    await rejectsWith(h.inviteClient.holdInvite({ token: 'nope', account: 'alice' }, h.key), Code.NotFound);
    const hold = await h.inviteClient.holdInvite({ token, account: 'alice' }, h.admin);
    await rejectsWith(h.inviteClient.confirmInvite({ token, holdId: 'x'.repeat(22) }, h.key), Code.NotFound, /^hold not found/);
    await rejectsWith(h.inviteClient.confirmInvite({ token, holdId: hold.holdId }, h.otherHostKey), Code.NotFound, /^invite not found/);
    await rejectsWith(h.inviteClient.releaseInvite({ token, holdId: '' }, h.key), Code.NotFound, /^hold not found/);
  });

  it('answers a retried hold of the same account with its running hold', async () => {
    const h = await setup();
    const token = (await h.inviteClient.createInvite({ maxUses: 2 }, h.key)).invite!.token;
    const first = await h.inviteClient.holdInvite({ token, account: 'alice' }, h.key);
    const retry = await h.inviteClient.holdInvite({ token, account: 'alice' }, h.key);
    assert.equal(retry.holdId, first.holdId);
    assert.equal((await h.inviteClient.getInvite({ token })).invite?.remainingUses, 1);
  });

  it('gives 32 concurrent holds of a 1-use invite exactly one hold', async () => {
    const h = await setup();
    const token = (await h.inviteClient.createInvite({}, h.key)).invite!.token;
    const results = await Promise.allSettled(
      Array.from({ length: 32 }, (_, i) => h.inviteClient.holdInvite({ token, account: `user${i}` }, h.key)),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as ConnectError).code, Code.FailedPrecondition);
  });

  it('shows the whole invite in GetInvite only to a key of its host or the admin token', async () => {
    const h = await setup();
    const token = (await h.inviteClient.createInvite({ roles: ['prosody:member'], inviter: 'alice' }, h.key)).invite!.token;
    assert.equal((await h.inviteClient.getInvite({ token })).detail, undefined);
    assert.equal((await h.inviteClient.getInvite({ token }, h.otherHostKey)).detail, undefined);
    assert.deepEqual((await h.inviteClient.getInvite({ token }, h.key)).detail?.roles, ['prosody:member']);
    assert.equal((await h.inviteClient.getInvite({ token }, h.admin)).detail?.inviter, 'alice');
    await rejectsWith(h.inviteClient.getInvite({ token }, h.bearer('AAAAAAAAAAAA/wrong')), Code.Unauthenticated);
  });
});
