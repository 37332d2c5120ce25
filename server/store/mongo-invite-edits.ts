import { MongoBulkWriteError, type Collection, type Db } from 'mongodb';
import { DUPLICATE_KEY, isDuplicateKey } from './driver-errors.js';
import { findByIds } from './find-by-ids.js';
import { revokedId, useIds } from './mongo-invite-holds.js';
import type { InviteEditStore, UseCaps } from './store.js';

/**
 * Edits of invites (UpdateInvite), kept in the redemptions collection beside the uses:
 * - `TOKEN:edit:V`, `kind: 'edit'`: edit number V of the invite. Whoever inserts it first may
 *   write version V of the invite, so concurrent edits are serialised by the unique `_id`.
 * - `TOKEN:USE`, `kind: 'cap'`: use number USE is out of reach because max_uses was lowered
 *   below it. The same unique `_id` a redemption or hold takes: a redeem still working with the
 *   old max_uses cannot take it, and a cap that loses to a redeem tells the edit that use is taken.
 * See docs/invite-management.md.
 */
interface EditDocument {
  _id: string;
  token: string;
  kind: 'edit' | 'cap';
  use?: number;
  version?: number;
  at: Date;
  inviteExpiresAt: Date;
}

const editId = (token: string, version: number) => `${token}:edit:${version}`;
const useId = (token: string, use: number) => `${token}:${use}`;

/** The indexes of an unordered insertMany's documents that hit a duplicate; rethrows anything else. */
function duplicateIndexes(err: unknown): Set<number> {
  if (!(err instanceof MongoBulkWriteError) || err.result?.getWriteConcernError()) throw err;
  const errors = err.result?.getWriteErrors() ?? [];
  if (errors.length === 0 || errors.some((e) => e.code !== DUPLICATE_KEY)) throw err;
  return new Set(errors.map((e) => e.index));
}

export function mongoInviteEdits(db: Db): InviteEditStore {
  const docs = db.collection<EditDocument>('redemptions') as Collection<EditDocument>;
  return {
    async claimEdit(token, version, at, inviteExpiresAt) {
      try {
        await docs.insertOne({ _id: editId(token, version), token, kind: 'edit', version, at, inviteExpiresAt });
        return { won: true, claimedAt: at };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const winner = await docs.findOne({ _id: editId(token, version) });
      return { won: false, claimedAt: winner?.at ?? at };
    },

    async capUses(token, uses, at, inviteExpiresAt): Promise<UseCaps> {
      if (uses.length === 0) return { capped: [], taken: [] };
      const caps: EditDocument[] = uses.map((use) => ({ _id: useId(token, use), token, kind: 'cap', use, at, inviteExpiresAt }));
      let lost = new Set<number>();
      try {
        await docs.insertMany(caps, { ordered: false });
      } catch (err) {
        lost = duplicateIndexes(err);
      }
      const capped = uses.filter((_, i) => !lost.has(i));
      const others = await findByIds(
        docs,
        uses.filter((_, i) => lost.has(i)).map((use) => useId(token, use)),
      );
      // A use, or a hold (running or ended): taken by someone. Caps and voids are out of reach already.
      const taken = others.filter((d) => (d.kind as string) === 'use' || (d.kind as string) === 'hold').map((d) => d.use!);
      return { capped, taken: taken.sort((a, b) => a - b) };
    },

    async uncapUses(token, uses) {
      if (uses.length === 0) return;
      // Only edits write or remove caps, and edits of one invite are serialised (claimEdit).
      await docs.deleteMany({ _id: { $in: uses.map((use) => useId(token, use)) }, kind: 'cap' });
    },

    async keepClaimsUntil(invite, uses, expiresAt) {
      const ids = [
        ...useIds({ token: invite.token, maxUses: uses }),
        revokedId(invite.token),
        ...Array.from({ length: invite.editVersion ?? 0 }, (_, i) => editId(invite.token, i + 1)),
      ];
      await docs.updateMany({ _id: { $in: ids }, inviteExpiresAt: { $lt: expiresAt } }, { $set: { inviteExpiresAt: expiresAt } });
    },
  };
}
