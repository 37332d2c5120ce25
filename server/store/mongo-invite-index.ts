import type { Db } from 'mongodb';
import type { InviteRecord } from '../domain/invite.js';
import { isDuplicateKey } from './driver-errors.js';
import { deleteByIds } from './find-by-ids.js';
import { expiryId, listingIds } from './invite-index-ids.js';
import { onlyDuplicates } from './mongo-redemptions.js';

/**
 * The invite index: where invites are found by listing and by expiry, through `_id` ranges
 * (invite-index-ids.ts) that every engine serves from an index, sorted and limited. Its entries
 * live in the `invites` collection beside the invites (an entry's `_id` has a `|`, a token never
 * has), so that an invite and its entries go in ONE ordered insert, the entries first: one
 * command, one commit, as cheap as the invite alone. Entries are never trusted alone: a reader
 * skips an entry whose invite is missing or does not match it (a failed insert, an invite being
 * swept), so the insert needs no transaction.
 */
export interface InviteIndexDocument {
  _id: string;
  /** On an expiry entry: the invite's listing entries, removed along with it. */
  entries?: string[];
}

/** Present once every invite stored before the index existed has its entries. */
const BACKFILLED = 'm|backfilled-v1';

/** A filter on the `invites` collection for the invites alone. */
export const INVITES_ONLY = { host: { $exists: true } } as const;

/** The listing entries of `invite` and its expiry entry. */
export function entriesOf(invite: InviteRecord): InviteIndexDocument[] {
  const listing = listingIds(invite);
  // The `_id` is all a reader needs (the sweep removes an entry with its invite): the smaller an
  // entry, the less each create costs the engine.
  return [...listing.map((_id) => ({ _id })), { _id: expiryId(invite), entries: listing }];
}

export type InviteIndex = ReturnType<typeof mongoInviteIndex>;

export function mongoInviteIndex(db: Db) {
  const index = db.collection<InviteIndexDocument>('invites');
  return {
    /** Writes the entries of `invites`; idempotent. */
    async add(invites: readonly InviteRecord[]): Promise<void> {
      if (invites.length === 0) return;
      try {
        await index.insertMany(invites.flatMap(entriesOf), { ordered: false });
      } catch (err) {
        if (!onlyDuplicates(err)) throw err;
      }
    },
    /** Up to `limit` entries with an `_id` in `range`, in `_id` order. */
    read(range: { $gt: string; $lt: string }, limit: number): Promise<InviteIndexDocument[]> {
      return index.find({ _id: range }).sort({ _id: 1 }).limit(limit).toArray();
    },
    async remove(ids: readonly string[]): Promise<void> {
      await deleteByIds(index, ids);
    },
    /**
     * Gives the invites stored before this index existed their entries, once (the next start
     * redoes it if this one was interrupted). `stored` yields every stored invite.
     */
    async backfill(stored: () => AsyncIterable<InviteRecord>, batch = 500): Promise<void> {
      if (await index.findOne({ _id: BACKFILLED }, { projection: { _id: 1 } })) return;
      let pending: InviteRecord[] = [];
      for await (const invite of stored()) {
        pending.push(invite);
        if (pending.length < batch) continue;
        await this.add(pending);
        pending = [];
      }
      await this.add(pending);
      try {
        await index.insertOne({ _id: BACKFILLED });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    },
  };
}
