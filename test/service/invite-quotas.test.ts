import assert from 'node:assert/strict';
import { Code } from '@connectrpc/connect';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { AuditAction } from '../../gen/invites/v1/audit_pb.js';
import { rejectsWith } from '../support/connect-assertions.js';
import { keyedHarness } from '../support/router-harness.js';

/** A harness on a clock the test moves, with one key on example.com created with `limits`. */
function setup(limits: { maxValidInvites?: number; maxUsesCeiling?: number; maxTtlSeconds?: number } = {}, env = {}) {
  return keyedHarness(env, { name: 'bot', rateLimitPerMinute: 1000, ...limits });
}

const FULL = /this key may hold at most 3 valid invites at once/;

describe('InviteService: a key’s ceilings and quotas (in-memory transport)', () => {
  it('refuses max_uses and ttl over the key’s ceilings, naming limit and value; its default ttl is its ceiling', async () => {
    const h = await setup({ maxUsesCeiling: 10, maxTtlSeconds: 3600 });
    await rejectsWith(
      h.inviteClient.createInvite({ maxUses: 50 }, h.key),
      Code.InvalidArgument,
      /max_uses 50 is above this key's ceiling of 10/,
    );
    await rejectsWith(
      h.inviteClient.createInvite({ ttlSeconds: 7200 }, h.key),
      Code.InvalidArgument,
      /ttl 7200 seconds is above this key's ceiling of 3600 seconds/,
    );
    await rejectsWith(h.inviteClient.createInvites({ count: 3, options: { maxUses: 11 } }, h.key), Code.InvalidArgument, /ceiling of 10/);
    assert.equal((await h.store.invites.list({ host: 'example.com' }, undefined, 10)).length, 0);
    const { invite } = await h.inviteClient.createInvite({ maxUses: 10 }, h.key);
    assert.equal(timestampDate(invite!.expireTime!).getTime() - h.now().getTime(), 3600_000);
    await rejectsWith(h.inviteClient.updateInvite({ token: invite!.token, maxUses: 11 }, h.key), Code.InvalidArgument, /ceiling of 10/);
    // The admin token has no ceilings.
    await h.inviteClient.updateInvite({ token: invite!.token, maxUses: 11 }, h.admin);
  });

  it('holds a key to max_valid_invites: revoked, used-up and expired invites give their slot back', async () => {
    const h = await setup({ maxValidInvites: 3 });
    const made = [];
    for (let i = 0; i < 3; i++) made.push((await h.inviteClient.createInvite({ ttlSeconds: i === 2 ? 60 : 3600 }, h.key)).invite!);
    await rejectsWith(h.inviteClient.createInvite({}, h.key), Code.ResourceExhausted, FULL);
    await h.inviteClient.revokeInvite({ token: made[0]!.token }, h.key);
    const fourth = (await h.inviteClient.createInvite({}, h.key)).invite!;
    await rejectsWith(h.inviteClient.createInvite({}, h.key), Code.ResourceExhausted, FULL);
    await h.inviteClient.redeemInvite({ token: made[1]!.token, account: 'alice' }, h.key);
    await h.inviteClient.createInvite({}, h.key);
    await rejectsWith(h.inviteClient.createInvite({}, h.key), Code.ResourceExhausted, FULL);
    h.advance(61); // made[2] expired
    await h.inviteClient.createInvite({}, h.key);
    await rejectsWith(h.inviteClient.createInvite({}, h.key), Code.ResourceExhausted, FULL);
    // Bulk: all or nothing.
    await h.inviteClient.revokeInvite({ token: fourth.token }, h.key);
    await rejectsWith(h.inviteClient.createInvites({ count: 2 }, h.key), Code.ResourceExhausted, /\(2 asked at once, none created\)/);
    const { invites } = await h.inviteClient.createInvites({ count: 1 }, h.key);
    assert.equal(invites.length, 1);
  });

  it('finds the one free slot of a large max_valid_invites, wherever it is (slots are read a page at a time)', async () => {
    const h = await setup({ maxValidInvites: 600 });
    const { invites } = await h.inviteClient.createInvites({ count: 600 }, h.key);
    await rejectsWith(h.inviteClient.createInvite({}, h.key), Code.ResourceExhausted, /at most 600 valid/);
    for (const i of [0, 299, 599]) {
      await h.inviteClient.revokeInvite({ token: invites[i]!.token }, h.key);
      await h.inviteClient.createInvite({}, h.key);
      await rejectsWith(h.inviteClient.createInvite({}, h.key), Code.ResourceExhausted, /at most 600 valid/);
    }
  });

  it('UpdateKey raises or removes max_valid_invites at once, and is in the audit trail', async () => {
    const h = await setup({ maxValidInvites: 1 });
    await h.inviteClient.createInvite({}, h.key);
    await rejectsWith(h.inviteClient.createInvite({}, h.key), Code.ResourceExhausted, /at most 1 valid invites/);
    const { key } = await h.adminClient.updateKey({ host: 'example.com', id: h.keyId, maxValidInvites: 2 }, h.admin);
    assert.equal(key!.maxValidInvites, 2);
    await h.inviteClient.createInvite({}, h.key);
    const { key: unlimited } = await h.adminClient.updateKey(
      { host: 'example.com', id: h.keyId, maxValidInvites: 0, maxUsesCeiling: 5 },
      h.admin,
    );
    assert.deepEqual([unlimited!.maxValidInvites, unlimited!.maxUsesCeiling, unlimited!.rateLimitPerMinute], [0, 5, 1000]);
    await h.inviteClient.createInvites({ count: 5 }, h.key);
    const { events } = await h.adminClient.listAudit({}, h.admin);
    assert.equal(events.filter((e) => e.action === AuditAction.KEY_UPDATED && e.keyId === h.keyId).length, 2);
    await rejectsWith(
      h.adminClient.updateKey({ host: 'example.com', id: h.keyId, maxUsesCeiling: 1001 }, h.admin),
      Code.InvalidArgument,
      /max_uses_ceiling/,
    );
    await rejectsWith(h.adminClient.updateKey({ host: 'example.com', id: 'AAAAAAAAAAAA', maxValidInvites: 1 }, h.admin), Code.NotFound);
  });

  it('a used-up invite made valid again by UpdateInvite takes a slot again, or is refused when none is free', async () => {
    const h = await setup({ maxValidInvites: 1 });
    const { invite } = await h.inviteClient.createInvite({}, h.key);
    await h.inviteClient.redeemInvite({ token: invite!.token, account: 'alice' }, h.key);
    const other = (await h.inviteClient.createInvite({}, h.key)).invite!;
    await rejectsWith(h.inviteClient.updateInvite({ token: invite!.token, maxUses: 2 }, h.key), Code.ResourceExhausted, /at most 1 valid/);
    assert.equal((await h.store.invites.find(invite!.token))?.maxUses, 1, 'nothing changed');
    await h.inviteClient.revokeInvite({ token: other.token }, h.key);
    await h.inviteClient.updateInvite({ token: invite!.token, maxUses: 2 }, h.key);
    await rejectsWith(h.inviteClient.createInvite({}, h.key), Code.ResourceExhausted, /at most 1 valid/);
  });

  it('limits invites made on behalf of one user per period (userInviteQuota), per user, not the admin token', async () => {
    const h = await setup({}, { INVITES_USER_INVITE_QUOTA: '2/1d' });
    const roster = { type: 2, inviter: 'alice' };
    await h.inviteClient.createInvite(roster, h.key);
    await h.inviteClient.createInvite(roster, h.key);
    await rejectsWith(
      h.inviteClient.createInvite(roster, h.key),
      Code.ResourceExhausted,
      /alice may create 2 invites per 1d on example.com: try again in/,
    );
    await h.inviteClient.createInvite({ type: 2, inviter: 'bob' }, h.key);
    await h.inviteClient.createInvite({}, h.key); // no inviter: no user quota
    await h.inviteClient.createInvite({ ...roster, host: 'example.com' }, h.admin);
    h.advance(86400);
    await h.inviteClient.createInvite(roster, h.key);
    await rejectsWith(
      h.inviteClient.createInvites({ count: 2, options: roster }, h.key),
      Code.ResourceExhausted,
      /2 asked at once, none created/,
    );
    await h.inviteClient.createInvite(roster, h.key);
  });
});
