import { MongoBulkWriteError, type Collection, type Db, type IndexDescription } from 'mongodb';
import type { InviteRecord, RedemptionRecord } from '../domain/invite.js';
import { DUPLICATE_KEY, isDuplicateKey } from './driver-errors.js';
import { findByIds } from './find-by-ids.js';
import { holdEndIds, revokedId, useIds, usageOf, type mongoInviteHolds } from './mongo-invite-holds.js';
import type { InviteStore } from './store.js';

/**
 * A claim on one use of an invite, `_id` `TOKEN:USE`: the unique `_id` makes each use claimable
 * exactly once, on every engine. `kind: 'void'` is a use taken by a revocation. The revocation
 * itself is `_id` `TOKEN:revoked`, `kind: 'revoked'`. Holds and their ends: mongo-invite-holds.ts.
 * All are read by these known `_id`s, never by `token` (see findByIds).
 */
interface RedemptionDocument {
  _id: string;
  token: string;
  kind: 'use' | 'void' | 'revoked';
  use?: number;
  account?: string;
  at: Date;
  /** The invite's expiry, so claims are removed along with their invite. */
  inviteExpiresAt: Date;
}

type Redemptions = Collection<RedemptionDocument>;

export const REDEMPTION_INDEXES: IndexDescription[] = [{ name: 'redemptions_by_token', key: { token: 1 } }];

/** What a revocation needs of the holds: ending those still running. */
export type RevocationHolds = Pick<ReturnType<typeof mongoInviteHolds>, 'endAllForRevocation'>;

/** The invite store's part kept in the `redemptions` collection. */
export type RedemptionStore = Pick<InviteStore, 'claimUse' | 'revoke' | 'usage'>;

/** True when an unordered bulk insert failed only on duplicate keys (and was otherwise durably written). */
export function onlyDuplicates(err: unknown): boolean {
  if (!(err instanceof MongoBulkWriteError)) return isDuplicateKey(err);
  if (err.result?.getWriteConcernError()) return false;
  const errors = err.result?.getWriteErrors() ?? [];
  return errors.length > 0 && errors.every((e) => e.code === DUPLICATE_KEY);
}

async function claimUse(redemptions: Redemptions, redemption: RedemptionRecord, inviteExpiresAt: Date): Promise<boolean> {
  const _id = `${redemption.token}:${redemption.use}`;
  try {
    await redemptions.insertOne({
      _id,
      token: redemption.token,
      kind: 'use',
      use: redemption.use,
      account: redemption.account,
      at: redemption.redeemedAt,
      inviteExpiresAt,
    });
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
  // A use freed by a lapsed hold can be claimed after a revocation voided the others: a
  // claim that then sees the revocation gives its use back as a void (see mongo-invite-holds.ts).
  if (await redemptions.findOne({ _id: revokedId(redemption.token) }, { projection: { _id: 1 } })) {
    await redemptions.updateOne({ _id }, { $set: { kind: 'void' }, $unset: { account: '' } });
    return false;
  }
  return true;
}

async function revoke(
  redemptions: Redemptions,
  holds: RevocationHolds,
  invite: Pick<InviteRecord, 'token' | 'maxUses' | 'expiresAt'>,
  at: Date,
): Promise<void> {
  const base = { token: invite.token, at, inviteExpiresAt: invite.expiresAt };
  // The marker first, so a redeem that finds no free use can tell "revoked" from "used up".
  try {
    await redemptions.insertOne({ _id: revokedId(invite.token), kind: 'revoked', ...base });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  const taken = new Set((await findByIds(redemptions, useIds(invite))).map((d) => d._id));
  const voids: RedemptionDocument[] = [];
  for (let use = 1; use <= invite.maxUses; use++) {
    const _id = `${invite.token}:${use}`;
    if (!taken.has(_id)) voids.push({ _id, kind: 'void', use, ...base });
  }
  try {
    // A redeem may claim some of these meanwhile: its duplicate is expected, and that use is its.
    if (voids.length > 0) await redemptions.insertMany(voids, { ordered: false });
  } catch (err) {
    if (!onlyDuplicates(err)) throw err;
  }
  await holds.endAllForRevocation(invite, at);
}

export function mongoRedemptions(db: Db, holds: RevocationHolds): RedemptionStore {
  const redemptions = db.collection<RedemptionDocument>('redemptions');
  return {
    claimUse: (redemption, inviteExpiresAt) => claimUse(redemptions, redemption, inviteExpiresAt),
    revoke: (invite, at) => revoke(redemptions, holds, invite, at),
    async usage(invites) {
      const claims = await findByIds(
        redemptions,
        invites.flatMap((i) => [...useIds(i), revokedId(i.token)]),
        { kind: { $ne: 'void' } },
      );
      const ends = await findByIds(redemptions, holdEndIds(claims));
      return usageOf([...claims, ...ends]);
    },
  };
}
