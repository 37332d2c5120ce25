import assert from 'node:assert/strict';
import { Code } from '@connectrpc/connect';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { AuditAction } from '../../gen/invites/v1/audit_pb.js';
import { InviteStatus } from '../../gen/invites/v1/invite_pb.js';
import { rejectsWith } from '../support/connect-assertions.js';
import { keyedHarness } from '../support/router-harness.js';

const setup = keyedHarness;

describe('InviteService.UpdateInvite (in-memory transport)', () => {
  it('changes expiry, max_uses, note, roles and groups; unset fields keep their value, empty lists clear', async () => {
    const h = await setup();
    const { invite } = await h.inviteClient.createInvite({ maxUses: 2, roles: ['member'], groups: ['team'], note: 'old' }, h.key);
    h.advance(60);
    const { invite: changed } = await h.inviteClient.updateInvite(
      { token: invite!.token, ttlSeconds: 3600, maxUses: 5, note: 'for the Q3 hires', roles: { values: [] } },
      h.key,
    );
    assert.equal(timestampDate(changed!.expireTime!).getTime(), h.now().getTime() + 3600_000);
    assert.deepEqual([changed!.maxUses, changed!.note, changed!.roles, changed!.groups], [5, 'for the Q3 hires', [], ['team']]);
    const stored = await h.store.invites.find(invite!.token);
    assert.deepEqual([stored?.maxUses, stored?.note, stored?.roles, stored?.groups], [5, 'for the Q3 hires', [], ['team']]);
    // Nothing given: nothing changes, nothing is written.
    const { invite: same } = await h.inviteClient.updateInvite({ token: invite!.token }, h.key);
    assert.deepEqual([same!.maxUses, same!.note, same!.groups], [5, 'for the Q3 hires', ['team']]);
    assert.equal((await h.store.invites.find(invite!.token))?.editVersion, 1);
  });

  it("refuses a lifetime over the host's maximum and changes nothing", async () => {
    const h = await setup({ INVITES_INVITE_TTL: '1h', INVITES_MAX_INVITE_TTL: '1d' });
    const { invite } = await h.inviteClient.createInvite({}, h.key);
    await rejectsWith(
      h.inviteClient.updateInvite({ token: invite!.token, ttlSeconds: 86401, note: 'x' }, h.key),
      Code.InvalidArgument,
      /at most 86400 seconds/,
    );
    const stored = await h.store.invites.find(invite!.token);
    assert.equal(stored?.note, '');
    assert.equal(stored?.expiresAt.getTime(), timestampDate(invite!.expireTime!).getTime());
  });

  it('lowers max_uses to the uses taken but not below, naming the count; raising makes a used-up invite valid again', async () => {
    const h = await setup();
    const { invite } = await h.inviteClient.createInvite({ maxUses: 5 }, h.key);
    const token = invite!.token;
    await h.inviteClient.redeemInvite({ token, account: 'alice' }, h.key);
    await h.inviteClient.redeemInvite({ token, account: 'bob' }, h.key);
    await rejectsWith(
      h.inviteClient.updateInvite({ token, maxUses: 1 }, h.key),
      Code.FailedPrecondition,
      /cannot be lowered to 1: 2 uses are already taken/,
    );
    const { invite: two } = await h.inviteClient.updateInvite({ token, maxUses: 2 }, h.key);
    assert.equal(two!.status, InviteStatus.USED_UP);
    await rejectsWith(h.inviteClient.redeemInvite({ token, account: 'carol' }, h.key), Code.FailedPrecondition, /used up/);
    const { invite: three } = await h.inviteClient.updateInvite({ token, maxUses: 3 }, h.key);
    assert.equal(three!.status, InviteStatus.VALID);
    const { redemption } = await h.inviteClient.redeemInvite({ token, account: 'carol' }, h.key);
    assert.equal(redemption!.use, 3);
    await rejectsWith(h.inviteClient.redeemInvite({ token, account: 'dave' }, h.key), Code.FailedPrecondition, /used up/);
  });

  it('a lowered max_uses holds against uses the old maximum allowed: uses above it stay out of reach', async () => {
    const h = await setup();
    const { invite } = await h.inviteClient.createInvite({ maxUses: 10 }, h.key);
    await h.inviteClient.updateInvite({ token: invite!.token, maxUses: 2 }, h.key);
    // A redeem that read the invite before the edit tries uses up to 10: 3..10 are capped.
    for (let use = 3; use <= 10; use++) {
      assert.equal(
        await h.store.invites.claimUse(
          { token: invite!.token, use, account: `a${use}`, redeemedAt: h.now() },
          new Date(Date.now() + 3600_000),
        ),
        false,
      );
    }
  });

  it('counts running holds as taken, but lowers max_uses over holds that lapsed', async () => {
    const h = await setup();
    const { invite } = await h.inviteClient.createInvite({ maxUses: 3 }, h.key);
    const token = invite!.token;
    await h.inviteClient.redeemInvite({ token, account: 'alice' }, h.key);
    await h.inviteClient.holdInvite({ token, account: 'bob' }, h.key);
    await h.inviteClient.holdInvite({ token, account: 'carol' }, h.key);
    await rejectsWith(
      h.inviteClient.updateInvite({ token, maxUses: 2 }, h.key),
      Code.FailedPrecondition,
      /3 uses are already taken \(1 redeemed, 2 held\)/,
    );
    h.advance(301); // the holds lapse (INVITES_HOLD_TTL 5 min)
    const { invite: one } = await h.inviteClient.updateInvite({ token, maxUses: 1 }, h.key);
    assert.deepEqual([one!.maxUses, one!.uses, one!.status], [1, 1, InviteStatus.USED_UP]);
  });

  it('refuses revoked and expired invites, and hides another key’s invite', async () => {
    const h = await setup();
    const other = await h.adminClient.createKey({ host: 'example.com', name: 'other' }, h.admin);
    const { invite } = await h.inviteClient.createInvite({ ttlSeconds: 60 }, h.key);
    await rejectsWith(h.inviteClient.updateInvite({ token: invite!.token, note: 'x' }, h.bearer(other.fullKey)), Code.NotFound);
    h.advance(61);
    await rejectsWith(h.inviteClient.updateInvite({ token: invite!.token, ttlSeconds: 600 }, h.key), Code.FailedPrecondition, /expired/);
    const { invite: second } = await h.inviteClient.createInvite({}, h.key);
    await h.inviteClient.revokeInvite({ token: second!.token }, h.key);
    await rejectsWith(h.inviteClient.updateInvite({ token: second!.token, maxUses: 3 }, h.admin), Code.FailedPrecondition, /revoked/);
  });

  it('records each change in the audit trail, with who made it', async () => {
    const h = await setup();
    const { invite } = await h.inviteClient.createInvite({}, h.key);
    await h.inviteClient.updateInvite({ token: invite!.token, note: 'by key' }, h.key);
    await h.inviteClient.updateInvite({ token: invite!.token, host: 'example.com', note: 'by admin' }, h.admin);
    const { events } = await h.adminClient.listAudit({}, h.admin);
    const updates = events.filter((e) => e.action === AuditAction.INVITE_UPDATED);
    assert.deepEqual(updates.map((e) => [e.actor, e.inviteToken]).sort(), [
      ['admin', invite!.token],
      [`key:${h.keyId}`, invite!.token],
    ]);
  });

  it('skips the number of an edit that died before writing once stale; waits for a live one, then says try again', async function () {
    this.timeout(10_000);
    const h = await setup();
    const { invite } = await h.inviteClient.createInvite({}, h.key);
    const expiresAt = timestampDate(invite!.expireTime!);
    // An edit that claimed number 1 thirty-one seconds ago and never wrote it.
    await h.store.invites.claimEdit(invite!.token, 1, new Date(h.now().getTime() - 31_000), expiresAt);
    const { invite: changed } = await h.inviteClient.updateInvite({ token: invite!.token, note: 'after a crash' }, h.key);
    assert.equal(changed!.note, 'after a crash');
    assert.equal((await h.store.invites.find(invite!.token))?.editVersion, 2);
    // One that claimed number 3 just now is still running: the edit waits for it, then gives up.
    await h.store.invites.claimEdit(invite!.token, 3, h.now(), expiresAt);
    await rejectsWith(h.inviteClient.updateInvite({ token: invite!.token, note: 'x' }, h.key), Code.Unavailable, /try again/);
    assert.equal((await h.store.invites.find(invite!.token))?.note, 'after a crash');
  });

  it('serialises concurrent edits: every edit lands and the invite ends in the state of one of them', async () => {
    const h = await setup();
    const { invite } = await h.inviteClient.createInvite({ maxUses: 10 }, h.key);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        h.inviteClient.updateInvite({ token: invite!.token, maxUses: i + 1, note: `edit ${i + 1}` }, h.key),
      ),
    );
    assert.deepEqual(
      results.filter((r) => r.status === 'rejected'),
      [],
    );
    const stored = await h.store.invites.find(invite!.token);
    assert.equal(stored?.note, `edit ${stored?.maxUses}`);
    assert.equal(stored?.editVersion, 8);
  });
});
