import type { Collection } from 'mongodb';
import { isDuplicateKey } from './driver-errors.js';
import { findByIds } from './find-by-ids.js';
import type { HoldRecord, InviteRecord, InviteUsage } from '../domain/invite.js';
import type { HoldEnd, HoldFate, InviteHoldStore } from './invite-hold-store.js';

/**
 * Holds live in the redemptions collection, beside the uses they reserve:
 * - `TOKEN:USE`, `kind: 'hold'`: use number USE is held (the same unique `_id` a redemption
 *   takes, so a use is held, redeemed or voided exactly once);
 * - `TOKEN:end:HOLDID`, `kind: 'end'`: how the hold ended. Whoever inserts it first decides the
 *   hold's fate (confirm against lapse, release or revocation); a duplicate means another won.
 * Only the winner of a `lapsed`/`released` end deletes the hold's `TOKEN:USE`, so no delete can
 * remove a later claim of that use (the embedded engine's filtered deletes read, then delete by
 * `_id`). If that winner died before deleting, `reclaim` deletes after RECLAIM_GRACE_MS.
 * Every read is by known `_id`s (the uses 1..maxUses, a hold's end), never by `token`: only `_id`
 * lookups are served from an index on every engine, so none costs more as the collection grows.
 */
export interface HoldDocument {
  _id: string;
  token: string;
  kind: 'hold' | 'end';
  use: number;
  account: string;
  /** When the use was held (hold), or when the hold ended (end). */
  at: Date;
  holdId: string;
  heldAt: Date;
  heldUntil: Date;
  fate?: HoldFate;
  inviteExpiresAt: Date;
}

/** The parts of a redemption document that usage() reads. */
export interface UsageDocument {
  _id: string;
  token: string;
  kind: string;
  use?: number;
  account?: string;
  at: Date;
  holdId?: string;
  heldAt?: Date;
  heldUntil?: Date;
  fate?: HoldFate;
}

/** How long an ended hold's winner has to free its use before anyone else may. */
export const RECLAIM_GRACE_MS = 30_000;

const useId = (token: string, use: number) => `${token}:${use}`;
const endId = (token: string, holdId: string) => `${token}:end:${holdId}`;
export const revokedId = (token: string) => `${token}:revoked`;
/** The `_id`s of an invite's uses, 1..maxUses: where its redemptions, holds and voids are. */
export const useIds = (invite: Pick<InviteRecord, 'token' | 'maxUses'>) =>
  Array.from({ length: invite.maxUses }, (_, i) => useId(invite.token, i + 1));
/** The ends of the holds among `documents` (how each ended, if it did). */
export const holdEndIds = (documents: readonly UsageDocument[]) =>
  documents.flatMap((d) => (d.kind === 'hold' && d.holdId ? [endId(d.token, d.holdId)] : []));

const toHold = (d: Pick<HoldDocument, 'token' | 'use' | 'holdId' | 'account' | 'heldAt' | 'heldUntil'>): HoldRecord => ({
  token: d.token,
  use: d.use,
  holdId: d.holdId,
  account: d.account,
  heldAt: d.heldAt,
  heldUntil: d.heldUntil,
});

type HoldDocuments = Collection<HoldDocument>;

/** Inserts the end; answers the winning end and whether it is ours. */
async function decide(
  docs: HoldDocuments,
  hold: HoldRecord,
  fate: HoldFate,
  at: Date,
  inviteExpiresAt: Date,
): Promise<{ end: HoldEnd; won: boolean }> {
  const doc: HoldDocument = { _id: endId(hold.token, hold.holdId), kind: 'end', fate, ...hold, at, inviteExpiresAt };
  try {
    await docs.insertOne(doc);
    return { end: { fate, at }, won: true };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  const winner = await docs.findOne({ _id: doc._id });
  if (!winner?.fate) throw new Error(`hold ${hold.holdId} has an end that cannot be read`);
  return { end: { fate: winner.fate, at: winner.at }, won: false };
}

/** Carries out an end: a confirmed use becomes a redemption; the winner of a lapse or release frees the use. */
async function apply(docs: HoldDocuments, hold: HoldRecord, end: HoldEnd, won: boolean): Promise<void> {
  const filter = { _id: useId(hold.token, hold.use), holdId: hold.holdId };
  if (end.fate === 'confirmed') {
    // By _id, and only ever to the same values: a retry or a repair writes what the first did.
    await docs.updateOne(filter, { $set: { kind: 'use' as HoldDocument['kind'], at: end.at } });
  } else if (won && (end.fate === 'lapsed' || end.fate === 'released')) {
    await docs.deleteOne(filter);
  }
}

async function endHold(docs: HoldDocuments, hold: HoldRecord, fate: HoldFate, at: Date, inviteExpiresAt: Date): Promise<HoldEnd> {
  const decided = await decide(docs, hold, fate, at, inviteExpiresAt);
  await apply(docs, hold, decided.end, decided.won);
  return decided.end;
}

/** See InviteHoldStore.reclaim: a lapsed hold is ended here; an ended one whose winner did not free its use, after the grace. */
async function reclaimUse(docs: HoldDocuments, token: string, use: number, now: Date): Promise<boolean> {
  const doc = await docs.findOne({ _id: useId(token, use) });
  if (!doc) return true;
  if (doc.kind !== 'hold') return false;
  const hold = toHold(doc);
  const ended = await docs.findOne({ _id: endId(token, hold.holdId) });
  if (!ended) {
    if (hold.heldUntil > now) return false;
    const decided = await decide(docs, hold, 'lapsed', now, doc.inviteExpiresAt);
    await apply(docs, hold, decided.end, decided.won);
    return decided.won;
  }
  if (ended.fate === 'confirmed') {
    await apply(docs, hold, { fate: 'confirmed', at: ended.at }, false);
    return false;
  }
  if ((ended.fate === 'lapsed' || ended.fate === 'released') && now.getTime() - ended.at.getTime() > RECLAIM_GRACE_MS) {
    await docs.deleteOne({ _id: useId(token, use), holdId: hold.holdId });
    return true;
  }
  return false;
}

async function findHold(
  docs: HoldDocuments,
  invite: Pick<InviteRecord, 'token' | 'maxUses'>,
  holdId: string,
): Promise<{ hold: HoldRecord; end: HoldEnd | undefined } | undefined> {
  const ended = async () => {
    const d = await docs.findOne({ _id: endId(invite.token, holdId) });
    return d && { hold: toHold(d), end: { fate: d.fate!, at: d.at } };
  };
  const first = await ended();
  if (first) return first;
  const [held] = await findByIds(docs, useIds(invite), { holdId, kind: 'hold' });
  if (held) return { hold: toHold(held), end: undefined };
  // It may have ended (and its use been freed) between the two reads.
  return (await ended()) ?? undefined;
}

export function mongoInviteHolds(collection: Collection<never>): InviteHoldStore & {
  endAllForRevocation(invite: Pick<InviteRecord, 'token' | 'maxUses' | 'expiresAt'>, at: Date): Promise<void>;
} {
  const docs = collection as unknown as HoldDocuments;
  return {
    async claim(hold, inviteExpiresAt) {
      try {
        await docs.insertOne({ _id: useId(hold.token, hold.use), kind: 'hold', ...hold, at: hold.heldAt, inviteExpiresAt });
      } catch (err) {
        if (isDuplicateKey(err)) return 'taken';
        throw err;
      }
      // A use freed by a lapse can be claimed after a revocation voided the others: such a claim
      // sees the revocation (inserted before anything else it does) and ends itself.
      if (await docs.findOne({ _id: revokedId(hold.token) }, { projection: { _id: 1 } })) {
        await endHold(docs, hold, 'revoked', hold.heldAt, inviteExpiresAt);
        return 'revoked';
      }
      return 'held';
    },
    reclaim: (token, use, now) => reclaimUse(docs, token, use, now),
    find: (invite, holdId) => findHold(docs, invite, holdId),
    end: (hold, fate, at, inviteExpiresAt) => endHold(docs, hold, fate, at, inviteExpiresAt),
    /** Ends every hold of a revoked invite still running, so no confirm succeeds after the revocation. */
    async endAllForRevocation(invite, at) {
      const held = await findByIds(docs, useIds(invite), { kind: 'hold' });
      await Promise.all(held.map((d) => endHold(docs, toHold(d), 'revoked', at, invite.expiresAt)));
    },
  };
}

/**
 * Redemptions, revocation and running holds from an invite's documents: a use redeemed at
 * once, or held and confirmed (also when the confirm's rewrite of the use is still to come).
 */
export function usageOf(documents: readonly UsageDocument[]): Map<string, InviteUsage> {
  const result = new Map<string, InviteUsage>();
  const ends = new Map<string, UsageDocument>();
  for (const d of documents) if (d.kind === 'end' && d.holdId) ends.set(`${d.token}:${d.holdId}`, d);
  const entryOf = (token: string) => {
    let entry = result.get(token);
    if (!entry) result.set(token, (entry = { redemptions: [], revokedAt: undefined, holds: [] }));
    return entry;
  };
  for (const d of documents) {
    if (d.kind === 'revoked') entryOf(d.token).revokedAt = d.at;
    else if (d.kind === 'use') entryOf(d.token).redemptions.push({ token: d.token, use: d.use!, account: d.account!, redeemedAt: d.at });
    else if (d.kind === 'hold') {
      const ended = ends.get(`${d.token}:${d.holdId}`);
      if (ended?.fate === 'confirmed')
        entryOf(d.token).redemptions.push({ token: d.token, use: d.use!, account: d.account!, redeemedAt: ended.at });
      else if (!ended)
        entryOf(d.token).holds!.push({
          token: d.token,
          use: d.use!,
          holdId: d.holdId!,
          account: d.account!,
          heldAt: d.heldAt!,
          heldUntil: d.heldUntil!,
        });
    }
  }
  for (const entry of result.values()) {
    entry.redemptions.sort((a, b) => a.use - b.use);
    entry.holds!.sort((a, b) => a.use - b.use);
  }
  return result;
}
