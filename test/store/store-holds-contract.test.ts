import assert from 'node:assert/strict';
import { Code, ConnectError } from '@connectrpc/connect';
import type { HoldRecord, InviteRecord } from '../../server/domain/invite.js';
import type { Store } from '../../server/store/store.js';
import { routerHarness } from '../support/router-harness.js';
import { insertLegacyInvite, inviteRecord } from '../support/invite-fixtures.js';
import { withFreshMongoStore } from '../support/test-database.js';
import { STORE_SUBJECTS } from '../support/store-subjects.js';

// The contract of two-phase use (hold, then confirm / release / lapse / revoke) on every store:
// each use is held or redeemed once, and each hold ends exactly once, under concurrency too.

const HOUR = 3_600_000;

const invite = (token: string, maxUses = 1): InviteRecord =>
  inviteRecord(token, new Date(Date.now() + HOUR), { maxUses, createdAt: new Date() });

const hold = (token: string, use: number, holdId: string, heldAt = new Date(), ttlMs = 300_000): HoldRecord => ({
  token,
  use,
  holdId,
  account: `acct-${holdId}`,
  heldAt,
  heldUntil: new Date(heldAt.getTime() + ttlMs),
});

const subjects = STORE_SUBJECTS;

for (const subject of subjects) {
  describe(`store contract, holds: ${subject.name}`, () => {
    let store: Store;
    let done: () => Promise<void>;
    beforeEach(async () => ({ store, done } = await subject.open()));
    afterEach(async () => done());

    it('gives exactly one of 32 concurrent holds of use 1, and counts it as a running hold', async () => {
      const i = invite('tok-1');
      await store.invites.insert(i);
      const claims = await Promise.all(Array.from({ length: 32 }, (_, n) => store.holds.claim(hold('tok-1', 1, `h${n}`), i.expiresAt)));
      assert.equal(claims.filter((c) => c === 'held').length, 1);
      assert.equal(claims.filter((c) => c === 'taken').length, 31);
      assert.equal(
        await store.invites.claimUse({ token: 'tok-1', use: 1, account: 'x', redeemedAt: new Date() }, i.expiresAt),
        false,
        'a held use is not redeemable',
      );
      const usage = (await store.invites.usage([i])).get('tok-1');
      assert.equal(usage?.holds?.length, 1);
      assert.deepEqual(usage?.redemptions, []);
    });

    it('confirms a hold into a redemption once; a retry answers the same end; release then fails', async () => {
      const i = invite('tok-1');
      await store.invites.insert(i);
      const h = hold('tok-1', 1, 'h1');
      assert.equal(await store.holds.claim(h, i.expiresAt), 'held');
      const at = new Date('2026-06-01T00:00:00Z');
      assert.deepEqual(await store.holds.end(h, 'confirmed', at, i.expiresAt), { fate: 'confirmed', at });
      assert.deepEqual(await store.holds.end(h, 'confirmed', new Date(), i.expiresAt), { fate: 'confirmed', at }, 'the first end answers');
      assert.equal((await store.holds.end(h, 'released', new Date(), i.expiresAt)).fate, 'confirmed');
      const usage = (await store.invites.usage([i])).get('tok-1');
      assert.deepEqual(
        usage?.redemptions.map((r) => [r.use, r.account, r.redeemedAt.toISOString()]),
        [[1, 'acct-h1', at.toISOString()]],
      );
      assert.deepEqual(usage?.holds, []);
      assert.equal((await store.holds.find(i, 'h1'))?.end?.fate, 'confirmed');
      assert.equal(await store.holds.reclaim('tok-1', 1, new Date(Date.now() + HOUR)), false, 'a confirmed use is never reclaimed');
    });

    it('frees a released use for the next claim, and finds the ended hold', async () => {
      const i = invite('tok-1');
      await store.invites.insert(i);
      const h = hold('tok-1', 1, 'h1');
      await store.holds.claim(h, i.expiresAt);
      assert.equal((await store.holds.end(h, 'released', new Date(), i.expiresAt)).fate, 'released');
      assert.equal(await store.holds.claim(hold('tok-1', 1, 'h2'), i.expiresAt), 'held');
      assert.equal((await store.holds.end(h, 'confirmed', new Date(), i.expiresAt)).fate, 'released', 'the released hold stays released');
      assert.equal((await store.holds.find(i, 'h1'))?.end?.fate, 'released');
      assert.equal((await store.holds.find(i, 'h2'))?.end, undefined);
      assert.equal(await store.holds.find(i, 'nope'), undefined);
    });

    it('reclaims a use only once its hold lapsed; the lapsed hold can no longer be confirmed', async () => {
      const i = invite('tok-1');
      await store.invites.insert(i);
      const heldAt = new Date();
      const h = hold('tok-1', 1, 'h1', heldAt, 60_000);
      await store.holds.claim(h, i.expiresAt);
      assert.equal(await store.holds.reclaim('tok-1', 1, new Date(heldAt.getTime() + 59_000)), false);
      assert.equal(await store.holds.reclaim('tok-1', 1, new Date(heldAt.getTime() + 61_000)), true);
      assert.equal(await store.holds.claim(hold('tok-1', 1, 'h2'), i.expiresAt), 'held');
      assert.equal((await store.holds.end(h, 'confirmed', new Date(), i.expiresAt)).fate, 'lapsed');
      assert.equal(await store.holds.reclaim('tok-1', 2, new Date()), true, 'a use never claimed is free');
    });

    it('lets exactly one of a confirm and a revocation decide each hold; none confirms after the revocation', async () => {
      for (let round = 0; round < 10; round++) {
        const token = `tok-${round}`;
        const i = invite(token, 2);
        await store.invites.insert(i);
        const h = hold(token, 1, `h${round}`);
        assert.equal(await store.holds.claim(h, i.expiresAt), 'held');
        const idle = hold(token, 2, `idle${round}`);
        assert.equal(await store.holds.claim(idle, i.expiresAt), 'held');
        const [confirm] = await Promise.all([
          store.holds.end(h, 'confirmed', new Date(), i.expiresAt),
          store.invites.revoke(i, new Date()),
        ]);
        assert.equal(
          (await store.holds.end(idle, 'confirmed', new Date(), i.expiresAt)).fate,
          'revoked',
          'a hold not confirmed before the revocation never is',
        );
        const after = await store.holds.end(h, 'confirmed', new Date(), i.expiresAt);
        assert.equal(after.fate, confirm.fate, 'every later call answers the first end');
        assert.ok(confirm.fate === 'confirmed' || confirm.fate === 'revoked');
        const usage = (await store.invites.usage([i])).get(token);
        assert.equal(usage?.redemptions.length, confirm.fate === 'confirmed' ? 1 : 0);
        assert.deepEqual(usage?.holds, [], 'no hold runs after a revocation');
        assert.equal(await store.holds.claim(hold(token, 2, `late${round}`), i.expiresAt), 'taken');
        assert.equal(await store.holds.reclaim(token, 2, new Date(Date.now() + HOUR)), false, 'a revoked hold keeps its use');
      }
    });

    it('lets no hold or redemption through after a revocation, also of a use freed by a lapse meanwhile', async () => {
      // The race is narrow (a lapse decided before the revocation, its use freed after it): several rounds.
      for (let round = 0; round < 8; round++) {
        const token = `tok-${round}`;
        const i = invite(token, 1);
        await store.invites.insert(i);
        await store.holds.claim(hold(token, 1, `old${round}`, new Date(Date.now() - 120_000), 60_000), i.expiresAt);
        // Racers reclaim the lapsed use and claim it (as a hold or a redemption) while the invite is revoked.
        const racer = async (n: number) => {
          await store.holds.reclaim(token, 1, new Date());
          if (n % 2) return store.holds.claim(hold(token, 1, `r${round}-${n}`), i.expiresAt);
          return (await store.invites.claimUse({ token, use: 1, account: `r${n}`, redeemedAt: new Date() }, i.expiresAt))
            ? 'held'
            : 'taken';
        };
        const racing = Promise.all(Array.from({ length: 16 }, (_, n) => racer(n)));
        await store.invites.revoke(i, new Date());
        const late = await Promise.all(Array.from({ length: 8 }, (_, n) => racer(100 + n)));
        assert.deepEqual(
          late.filter((c) => c === 'held'),
          [],
          `round ${round}: nothing is held or redeemed after the revocation resolved`,
        );
        await racing;
        const usage = (await store.invites.usage([i])).get(token);
        assert.deepEqual(usage?.holds, [], 'every hold ended');
        assert.ok(usage!.redemptions.length <= 1);
      }
    });

    it("answers one invite's usage and holds alone, whatever other invites hold, redeemed or revoked", async () => {
      const mine = invite('tok-1', 4);
      await store.invites.insert(mine);
      assert.equal(
        await store.invites.claimUse({ token: 'tok-1', use: 1, account: 'alice', redeemedAt: new Date() }, mine.expiresAt),
        true,
      );
      assert.equal(await store.holds.claim(hold('tok-1', 2, 'h1'), mine.expiresAt), 'held');
      // Others: tokens that extend this one, the same hold id, every kind of document.
      const others = ['tok-10', 'tok-11', 'tok-1x', 'tok', ...Array.from({ length: 30 }, (_, n) => `other-${n}`)].map((t) => invite(t, 5));
      for (const o of others) {
        await store.invites.insert(o);
        for (const use of [1, 2, 3])
          await store.invites.claimUse({ token: o.token, use, account: `${o.token}-${use}`, redeemedAt: new Date() }, o.expiresAt);
        await store.holds.claim(hold(o.token, 4, 'h1'), o.expiresAt);
        const confirmed = hold(o.token, 5, 'h2');
        await store.holds.claim(confirmed, o.expiresAt);
        await store.holds.end(confirmed, 'confirmed', new Date(), o.expiresAt);
      }
      await store.invites.revoke(others[0]!, new Date());
      const usage = (await store.invites.usage([mine])).get('tok-1');
      assert.deepEqual(
        usage?.redemptions.map((r) => [r.use, r.account]),
        [[1, 'alice']],
      );
      assert.deepEqual(
        usage?.holds?.map((h) => [h.use, h.holdId]),
        [[2, 'h1']],
      );
      assert.equal(usage?.revokedAt, undefined);
      assert.deepEqual((await store.holds.find(mine, 'h1'))?.hold.use, 2, "its own hold h1, not another invite's");
      assert.equal(await store.holds.find(mine, 'h2'), undefined, "another invite's hold is not found under this one");
      await store.invites.revoke(mine, new Date());
      const other = (await store.invites.usage([others[1]!])).get(others[1]!.token);
      assert.deepEqual(
        other?.holds?.map((h) => h.holdId),
        ['h1'],
        "revoking this invite ends no other invite's hold",
      );
      assert.equal((await store.invites.usage([mine])).get('tok-1')?.redemptions.length, 1);
    });

    it('removes holds and their ends along with their expired invite', async () => {
      const i = { ...invite('old'), expiresAt: new Date('2026-01-01T00:00:00Z') };
      await store.invites.insert(i);
      const h = hold('old', 1, 'h1', new Date('2025-12-31T00:00:00Z'));
      await store.holds.claim(h, i.expiresAt);
      await store.holds.end(h, 'released', new Date('2025-12-31T00:01:00Z'), i.expiresAt);
      await store.holds.claim(hold('old', 1, 'h2', new Date('2025-12-31T00:02:00Z')), i.expiresAt);
      await store.invites.deleteExpired(new Date('2026-02-01T00:00:00Z'));
      assert.equal((await store.invites.usage([i])).size, 0);
      assert.equal(await store.holds.find(i, 'h1'), undefined);
      assert.equal(await store.holds.find(i, 'h2'), undefined);
    });

    it('never confirms more than max_uses under concurrent holds, confirms, releases and lapses (through the service)', async () => {
      let clock = Date.now();
      const h = routerHarness({ store, now: () => new Date(clock), env: { INVITES_HOLD_TTL: '2s' } });
      const { fullKey } = await h.adminClient.createKey({ host: 'example.com', name: 'prosody' }, h.admin);
      const key = h.bearer(fullKey);
      const token = (await h.inviteClient.createInvite({ maxUses: 3 }, key)).invite!.token;
      const registration = async (n: number) => {
        try {
          const held = await h.inviteClient.holdInvite({ token, account: `user${n}` }, key);
          if (n % 4 === 0) return (await h.inviteClient.releaseInvite({ token, holdId: held.holdId }, key), 'released');
          if (n % 4 === 1) clock += 2500; // this one's hold (and maybe others') lapses before the confirm
          return (await h.inviteClient.confirmInvite({ token, holdId: held.holdId }, key)).redemption?.account;
        } catch (err) {
          assert.ok(err instanceof ConnectError && err.code === Code.FailedPrecondition, String(err));
          return undefined;
        }
      };
      const results = await Promise.all(Array.from({ length: 24 }, (_, n) => registration(n)));
      const confirmed = results.filter((r) => r !== undefined && r !== 'released');
      const listed = (await h.inviteClient.listInvites({}, key)).invites[0]!;
      assert.ok(confirmed.length <= 3, `confirmed ${confirmed.length}`);
      assert.deepEqual(
        listed.redemptions.map((r) => r.account).sort(),
        [...confirmed].sort(),
        'every confirmed registration is a redemption, no other',
      );
      assert.deepEqual(new Set(listed.redemptions.map((r) => r.use)).size, listed.redemptions.length, 'each use once');
      assert.deepEqual(h.unexpected, []);
    });
  });
}

describe('mongo store: a lapse decided before a revocation, its use freed after it', () => {
  it('lets no hold or redemption of that use through once the revocation resolved', async () => {
    await withFreshMongoStore(async ({ db, store }) => {
      const i = invite('tok-1', 1);
      await store.invites.insert(i);
      const h = hold('tok-1', 1, 'old', new Date(Date.now() - 600_000), 60_000);
      await store.holds.claim(h, i.expiresAt);
      // The lapse's winner inserted its end and stalled before freeing the use (as a process that dies there does).
      const ended = new Date(Date.now() - 120_000);
      await db.client
        .db(db.name)
        .collection('redemptions')
        .insertOne({ _id: 'tok-1:end:old' as never, kind: 'end', fate: 'lapsed', ...h, at: ended, inviteExpiresAt: i.expiresAt });
      await store.invites.revoke(i, new Date());
      assert.equal(await store.holds.reclaim('tok-1', 1, new Date()), true, 'past the grace period anyone frees the use');
      assert.equal(await store.holds.claim(hold('tok-1', 1, 'late'), i.expiresAt), 'revoked');
      assert.equal(await store.holds.reclaim('tok-1', 1, new Date()), false, 'the late hold ended as revoked keeps the use');
      assert.equal((await store.holds.find(i, 'late'))?.end?.fate, 'revoked');
      await db.client
        .db(db.name)
        .collection('redemptions')
        .deleteOne({ _id: 'tok-1:1' as never });
      assert.equal(await store.invites.claimUse({ token: 'tok-1', use: 1, account: 'late', redeemedAt: new Date() }, i.expiresAt), false);
      const usage = (await store.invites.usage([i])).get('tok-1');
      assert.deepEqual([usage?.redemptions, usage?.holds], [[], []]);
    });
  });
});

describe('mongo store: invites stored before kinds', () => {
  it('reads them as register invites for any username, by no inviter', async () => {
    await withFreshMongoStore(async ({ db, store }) => {
      await insertLegacyInvite(db, 'legacy-token', new Date(Date.now() + HOUR));
      const found = await store.invites.find('legacy-token');
      assert.deepEqual([found?.kind, found?.username, found?.inviter, found?.allowRegistration], ['register', '', '', true]);
      assert.deepEqual(await store.invites.list({ host: 'example.com', inviter: 'alice' }, undefined, 10), []);
    });
  });
});
