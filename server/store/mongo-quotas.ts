import { MongoBulkWriteError, type Db } from 'mongodb';
import { DUPLICATE_KEY, isDuplicateKey } from './driver-errors.js';
import { deleteByIds, findByIds } from './find-by-ids.js';
import type { QuotaStore, SlotOccupant } from './store.js';

/**
 * Quota slots and units, in the redemptions collection (all by known `_id`s):
 * - `quota:SCOPE:N`: slot N of SCOPE is held by an invite. No `inviteExpiresAt`, so neither the
 *   sweep nor a TTL index removes it: only the winner of its release does (below), so no
 *   delete can remove a later holding (the embedded engine's deletes read, then delete by `_id`).
 *   At most `slots` of them per scope.
 * - `quota:SCOPE:N:release:NONCE`: the release of one holding; whoever inserts it first deletes
 *   the slot. Removed with the invite's expiry (`inviteExpiresAt`).
 * - `quota:SCOPE:unit:N`: unit N of a period's count, kept until the period ends.
 */
interface QuotaDocument {
  _id: string;
  kind: 'slot' | 'slot-release' | 'unit';
  token?: string;
  nonce?: string;
  expiresAt?: Date;
  inviteExpiresAt?: Date;
}

const slotId = (scope: string, slot: number) => `quota:${scope}:${slot}`;

export function mongoQuotas(db: Db): QuotaStore {
  const docs = db.collection<QuotaDocument>('redemptions');
  return {
    async occupants(scope, slots) {
      const found = await findByIds(
        docs,
        slots.map((slot) => slotId(scope, slot)),
        { kind: 'slot' },
      );
      const byId = new Map(found.map((d) => [d._id, d]));
      const result = new Map<number, SlotOccupant>();
      for (const slot of slots) {
        const d = byId.get(slotId(scope, slot));
        if (d) result.set(slot, { slot, token: d.token!, nonce: d.nonce!, expiresAt: d.expiresAt! });
      }
      return result;
    },

    async occupy(scope, occupants) {
      if (occupants.length === 0) return [];
      const toDoc = (o: SlotOccupant): QuotaDocument => ({
        _id: slotId(scope, o.slot),
        kind: 'slot',
        token: o.token,
        nonce: o.nonce,
        expiresAt: o.expiresAt,
      });
      try {
        await docs.insertMany(occupants.map(toDoc), { ordered: false });
        return occupants.map((o) => o.slot);
      } catch (err) {
        if (!(err instanceof MongoBulkWriteError) || err.result?.getWriteConcernError()) throw err;
        const errors = err.result?.getWriteErrors() ?? [];
        if (errors.length === 0 || errors.some((e) => e.code !== DUPLICATE_KEY)) throw err;
        const lost = new Set(errors.map((e) => e.index));
        return occupants.filter((_, i) => !lost.has(i)).map((o) => o.slot);
      }
    },

    async release(scope, slot, nonce, expiresAt) {
      try {
        await docs.insertOne({ _id: `${slotId(scope, slot)}:release:${nonce}`, kind: 'slot-release', inviteExpiresAt: expiresAt });
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
      const result = await docs.deleteOne({ _id: slotId(scope, slot), nonce });
      return result.deletedCount === 1;
    },

    async occupant(scope, slot) {
      const d = await docs.findOne({ _id: slotId(scope, slot), kind: 'slot' });
      return d ? { slot, token: d.token!, nonce: d.nonce!, expiresAt: d.expiresAt! } : undefined;
    },

    async extend(scope, slot, nonce, expiresAt) {
      await docs.updateOne({ _id: slotId(scope, slot), nonce }, { $set: { expiresAt } });
    },

    async takeUnit(scope, units, until) {
      const ids = Array.from({ length: units }, (_, i) => `quota:${scope}:unit:${i + 1}`);
      const taken = new Set((await findByIds(docs, ids)).map((d) => d._id));
      for (const [i, _id] of ids.entries()) {
        if (taken.has(_id)) continue;
        try {
          await docs.insertOne({ _id, kind: 'unit', inviteExpiresAt: until });
          return i + 1;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
      }
      return undefined;
    },

    async giveUnit(scope, unit) {
      // Only its taker deletes a unit, and nothing else writes that _id while it exists.
      await docs.deleteOne({ _id: `quota:${scope}:unit:${unit}` });
    },
  };
}

/** Quota documents read per round trip of the sweep. */
const QUOTA_SWEEP_BATCH = 500;

/**
 * Removes the releases and the units whose time is over (`inviteExpiresAt` before `before`): the
 * invite sweep only removes what is named after an invite. Reads the `quota:` documents by `_id` range, a page at a
 * time: there are as many as the keys' slots and the users' units of the current periods.
 */
export async function sweepQuotaDocuments(db: Db, before: Date): Promise<number> {
  const docs = db.collection<QuotaDocument>('redemptions');
  let removed = 0;
  let after = 'quota:';
  for (;;) {
    const page = await docs
      .find({ _id: { $gt: after, $lt: 'quota;' } })
      .sort({ _id: 1 })
      .limit(QUOTA_SWEEP_BATCH)
      .toArray();
    const over = page.filter((d) => d.kind !== 'slot' && d.inviteExpiresAt !== undefined && d.inviteExpiresAt < before);
    removed += await deleteByIds(
      docs,
      over.map((d) => d._id),
    );
    if (page.length < QUOTA_SWEEP_BATCH) return removed;
    after = page[page.length - 1]!._id;
  }
}
