import assert from 'node:assert/strict';
import { Code, ConnectError } from '@connectrpc/connect';
import type { Store } from '../../server/store/store.js';
import { inviteRecord } from '../support/invite-fixtures.js';
import { routerHarness } from '../support/router-harness.js';
import { STORE_SUBJECTS } from '../support/store-subjects.js';

// The contract behind UpdateInvite on every store: a lowered max_uses caps the uses above it
// against redeems still working with the old maximum, and edits of one invite are serialised.
// On the embedded engine conditional updates are not atomic: only inserts decide.

const HOUR = 3_600_000;

const subjects = STORE_SUBJECTS;

for (const subject of subjects) {
  describe(`store contract, invite edits: ${subject.name}`, () => {
    let store: Store;
    let done: () => Promise<void>;
    beforeEach(async () => ({ store, done } = await subject.open()));
    afterEach(async () => done());

    it('caps against concurrent claims: each use ends capped or redeemed, never both; the redeemed ones are taken', async () => {
      const expiresAt = new Date(Date.now() + HOUR);
      await store.invites.insert(inviteRecord('tok-cap', expiresAt, { maxUses: 40 }));
      const uses = Array.from({ length: 40 }, (_, i) => i + 1);
      const [caps, ...claims] = await Promise.all([
        store.invites.capUses('tok-cap', uses, new Date(), expiresAt),
        ...uses.map((use) => store.invites.claimUse({ token: 'tok-cap', use, account: `a${use}`, redeemedAt: new Date() }, expiresAt)),
      ]);
      const won = uses.filter((_, i) => claims[i]);
      assert.deepEqual(
        [...caps!.taken].sort((a, b) => a - b),
        won,
      );
      assert.deepEqual(
        [...caps!.capped, ...won].sort((a, b) => a - b),
        uses,
      );
      const usage = (await store.invites.usage([{ token: 'tok-cap', maxUses: 40 }])).get('tok-cap');
      assert.equal(usage?.redemptions.length ?? 0, won.length, 'caps are not uses');
      await store.invites.uncapUses('tok-cap', caps!.capped);
      if (caps!.capped.length > 0) {
        const use = caps!.capped[0]!;
        assert.equal(await store.invites.claimUse({ token: 'tok-cap', use, account: 'later', redeemedAt: new Date() }, expiresAt), true);
      }
    });

    it('gives each edit number to exactly one of 16 concurrent claims', async () => {
      const claims = await Promise.all(
        Array.from({ length: 16 }, () => store.invites.claimEdit('tok-edit', 1, new Date(), new Date(Date.now() + HOUR))),
      );
      assert.equal(claims.filter((c) => c.won).length, 1);
    });

    it('never hands out more uses than the final max_uses when redeems race a lowering edit (through the service)', async function () {
      this.timeout(60_000);
      const h = routerHarness({ store });
      const { fullKey } = await h.adminClient.createKey({ host: 'example.com' }, h.admin);
      const key = h.bearer(fullKey);
      for (let round = 0; round < 4; round++) {
        const { invite } = await h.inviteClient.createInvite({ maxUses: 12 }, key);
        const token = invite!.token;
        const lowerTo = 3 + round;
        const [edit, ...redeems] = await Promise.allSettled([
          h.inviteClient.updateInvite({ token, maxUses: lowerTo }, key),
          ...Array.from({ length: 12 }, (_, i) => h.inviteClient.redeemInvite({ token, account: `user${i}` }, key)),
        ]);
        const redeemed = redeems.filter((r) => r.status === 'fulfilled').length;
        const after = await h.inviteClient.getInvite({ token }, key);
        const finalMax = after!.detail!.maxUses;
        assert.equal(after!.detail!.uses, redeemed, 'every successful redeem is counted, nothing else');
        assert.ok(redeemed <= finalMax, `round ${round}: ${redeemed} uses with max_uses ${finalMax}`);
        if (edit.status === 'fulfilled') assert.equal(finalMax, lowerTo);
        else {
          assert.ok(edit.reason instanceof ConnectError && edit.reason.code === Code.FailedPrecondition, String(edit.reason));
          assert.match(edit.reason.rawMessage, /cannot be lowered/);
          assert.equal(finalMax, 12);
        }
      }
      assert.deepEqual(h.unexpected, []);
    });

    it('ends concurrent edits of one invite in the state of one of them', async function () {
      this.timeout(30_000);
      const h = routerHarness({ store });
      const { invite } = await h.inviteClient.createInvite({ host: 'example.com', maxUses: 10 }, h.admin);
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          h.inviteClient.updateInvite({ token: invite!.token, maxUses: i + 1, note: `edit ${i + 1}` }, h.admin),
        ),
      );
      const failed = results.filter((r) => r.status === 'rejected');
      for (const f of failed) assert.equal((f.reason as ConnectError).code, Code.Unavailable, String(f.reason));
      const stored = await store.invites.find(invite!.token);
      assert.equal(stored?.note, `edit ${stored?.maxUses}`);
      assert.equal(stored?.editVersion, results.length - failed.length);
      // The uses above the final maximum are out of reach; those below are not.
      const max = stored!.maxUses;
      const expiresAt = stored!.expiresAt;
      if (max < 10)
        assert.equal(
          await store.invites.claimUse({ token: invite!.token, use: max + 1, account: 'x', redeemedAt: new Date() }, expiresAt),
          false,
        );
      assert.equal(await store.invites.claimUse({ token: invite!.token, use: max, account: 'y', redeemedAt: new Date() }, expiresAt), true);
    });

    it('keeps the uses of an extended invite past its old expiry', async function () {
      this.timeout(30_000);
      let clock = Date.now();
      const h = routerHarness({ store, now: () => new Date(clock) });
      const { invite } = await h.inviteClient.createInvite({ host: 'example.com', maxUses: 2, ttlSeconds: 60 }, h.admin);
      await h.inviteClient.redeemInvite({ token: invite!.token, account: 'alice' }, h.admin);
      await h.inviteClient.updateInvite({ token: invite!.token, ttlSeconds: 7200 }, h.admin);
      clock += 120_000;
      await store.invites.deleteExpired(new Date(clock));
      const after = await h.inviteClient.getInvite({ token: invite!.token }, h.admin);
      assert.equal(after!.detail!.uses, 1, 'the redemption outlived the old expiry');
      await h.inviteClient.redeemInvite({ token: invite!.token, account: 'bob' }, h.admin);
      await assert.rejects(h.inviteClient.redeemInvite({ token: invite!.token, account: 'carol' }, h.admin), /used up/);
    });
  });
}
