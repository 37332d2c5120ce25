import { MongoBulkWriteError, type Collection, type Db } from 'mongodb';
import type { InviteRecord, QuotaHolding } from '../domain/invite.js';
import { DUPLICATE_KEY } from './driver-errors.js';
import { deleteByIds, findByIds } from './find-by-ids.js';
import { createGroupCommit } from './group-commit.js';
import { expiredRange, listingIds, listingRange, scopeOfQuery, tokenOf } from './invite-index-ids.js';
import { mongoInviteEdits } from './mongo-invite-edits.js';
import { sweepQuotaDocuments } from './mongo-quotas.js';
import { entriesOf, INVITES_ONLY, mongoInviteIndex, type InviteIndex } from './mongo-invite-index.js';
import { mongoRedemptions, type RevocationHolds } from './mongo-redemptions.js';
import type { InviteChange, InviteListQuery, InviteStore } from './store.js';
import { StoreConflict } from './store.js';

interface InviteDocument {
  _id: string;
  host: string;
  kind: InviteRecord['kind'];
  createdAt: Date;
  expiresAt: Date;
  source: string;
  keyId: string | null;
  // Absent on invites stored before invites had options: read as single-use, no roles/groups/note.
  maxUses?: number;
  roles?: string[];
  groups?: string[];
  note?: string;
  // Absent on invites stored before kinds: any username, no inviter.
  username?: string;
  inviter?: string;
  allowRegistration?: boolean;
  editVersion?: number;
  quota?: QuotaHolding;
}

// Invite tokens are the `_id`s, so the always-present unique `_id` index is the "unique invite
// token" index, and the only one read: listings and the sweep go through the invite index
// (mongo-invite-index.ts).

/** How concurrent creates are written together (see group-commit.ts). */
export interface InviteInsertBatching {
  maxBatch: number;
  maxInFlight: number;
}

const toInviteRecord = (d: InviteDocument): InviteRecord => ({
  token: d._id,
  host: d.host,
  kind: d.kind,
  createdAt: d.createdAt,
  expiresAt: d.expiresAt,
  source: d.source,
  keyId: d.keyId ?? undefined,
  maxUses: d.maxUses ?? 1,
  roles: d.roles ?? [],
  groups: d.groups ?? [],
  note: d.note ?? '',
  username: d.username ?? '',
  inviter: d.inviter ?? '',
  allowRegistration: d.allowRegistration ?? d.kind !== 'roster',
  ...(d.editVersion ? { editVersion: d.editVersion } : {}),
  ...(d.quota ? { quota: d.quota } : {}),
});

/** The document the store writes for `invite` (exported for the benchmark's bulk fill). */
export function toInviteDocument(invite: InviteRecord): InviteDocument {
  return {
    _id: invite.token,
    host: invite.host,
    kind: invite.kind,
    createdAt: invite.createdAt,
    expiresAt: invite.expiresAt,
    source: invite.source,
    keyId: invite.keyId ?? null,
    maxUses: invite.maxUses,
    roles: invite.roles,
    groups: invite.groups,
    note: invite.note,
    ...(invite.username ? { username: invite.username } : {}),
    ...(invite.inviter ? { inviter: invite.inviter } : {}),
    ...(invite.kind === 'roster' ? { allowRegistration: invite.allowRegistration ?? false } : {}),
    ...(invite.quota ? { quota: invite.quota } : {}),
  };
}

/**
 * Outcome per document of an unordered insertMany that the server answered with per-document
 * errors: every document not named in writeErrors was written. Anything else fails them all: a
 * write-concern failure leaves durability unknown, and a bulk error without writeErrors wraps a
 * failure of the whole command (a broken connection, a pool the monitor cleared), after which
 * nothing is known to be written.
 */
export function insertOutcomes(err: unknown, count: number): Array<Error | undefined> {
  if (!(err instanceof MongoBulkWriteError) || err.result?.getWriteConcernError()) throw err;
  const writeErrors = err.result?.getWriteErrors() ?? [];
  if (writeErrors.length === 0) throw err;
  const outcomes: Array<Error | undefined> = new Array(count).fill(undefined);
  for (const writeError of writeErrors) {
    outcomes[writeError.index] =
      writeError.code === DUPLICATE_KEY
        ? new StoreConflict('invite token is taken')
        : new Error(`insert failed: ${writeError.errmsg ?? writeError.code}`);
  }
  return outcomes;
}

/**
 * Writes `docs` with their index entries in ONE insert: one command and one commit per batch,
 * like the invites alone. The outcome per invite, as insertOutcomes: a taken token fails that
 * invite alone. An entry that exists already is the same entry (its `_id` names the invite);
 * an invite whose entry could not be written for another reason fails, and is removed again,
 * so that no acknowledged invite is missing from its listings. (The order of an insert's
 * documents is not kept by every engine: the embedded one inserts in chunks even when ordered.)
 */
async function insertWithEntries(invites: Collection<InviteDocument>, docs: InviteDocument[]): Promise<Array<Error | undefined>> {
  const entries = docs.map(toInviteRecord).flatMap(entriesOf);
  try {
    await invites.insertMany([...(entries as unknown as InviteDocument[]), ...docs], { ordered: false });
    return docs.map(() => undefined);
  } catch (err) {
    const all = insertOutcomes(err, entries.length + docs.length);
    const outcomes = all.slice(entries.length);
    const position = new Map(docs.map((d, i) => [d._id, i]));
    const failedEntries = entries.flatMap((e, k) => (all[k] && !(all[k] instanceof StoreConflict) ? [[e, all[k]!] as const] : []));
    for (const [entry, error] of failedEntries) {
      const owner = position.get(tokenOf(entry._id))!;
      if (outcomes[owner] === undefined) {
        outcomes[owner] = error;
        await deleteByIds(invites, [docs[owner]!._id]).catch(() => {});
      }
    }
    return outcomes;
  }
}

/** Concurrent creates share one insert (see insertWithEntries); each caller still waits for its own document. */
function inviteInserts(invites: Collection<InviteDocument>, { maxBatch, maxInFlight }: InviteInsertBatching) {
  return createGroupCommit<InviteDocument>({ maxBatch, maxInFlight, write: (docs) => insertWithEntries(invites, docs) });
}

const expiryMatches = (query: InviteListQuery, invite: InviteRecord) =>
  (query.expiresAfter === undefined || invite.expiresAt > query.expiresAfter) &&
  (query.expiresAtOrBefore === undefined || invite.expiresAt <= query.expiresAtOrBefore);

/** Sweeps this many expired invites per round trip. */
const SWEEP_BATCH = 500;

/**
 * Up to `limit` invites of a listing (`scope`, see invite-index-ids.ts) in its order, read by
 * `_id` range from the index, then by `_id` from `invites`. An entry whose invite is missing or
 * does not carry it (see mongo-invite-index.ts), or that `keep` rejects, is passed over.
 */
async function readListing(
  invites: Collection<InviteDocument>,
  index: InviteIndex,
  range: { $gt: string; $lt: string },
  limit: number,
  keep: (invite: InviteRecord) => boolean,
): Promise<InviteRecord[]> {
  const found: InviteRecord[] = [];
  while (found.length < limit) {
    const want = limit - found.length;
    const entries = await index.read(range, want);
    const tokens = entries.map((e) => tokenOf(e._id));
    const docs = await findByIds(invites, tokens);
    const byToken = new Map(docs.map((d) => [d._id, toInviteRecord(d)]));
    for (const entry of entries) {
      const invite = byToken.get(tokenOf(entry._id));
      if (invite && listingIds(invite).includes(entry._id) && keep(invite)) found.push(invite);
    }
    if (entries.length < want) break;
    range = { ...range, $gt: entries[entries.length - 1]!._id };
  }
  return found;
}

/** Newest first, ties by token: the order of listings and of page tokens. */
const newestFirst = (a: InviteRecord, b: InviteRecord) =>
  b.createdAt.getTime() - a.createdAt.getTime() || (a.token < b.token ? -1 : a.token > b.token ? 1 : 0);

/**
 * Removes up to SWEEP_BATCH invites that expired before `before`, with their claims and entries;
 * how many invites it removed, and whether more may be due.
 */
async function sweepBatch(
  invites: Collection<InviteDocument>,
  redemptions: Collection<{ _id: string }>,
  index: InviteIndex,
  before: Date,
): Promise<{ removed: number; more: boolean }> {
  const entries = await index.read(expiredRange(before), SWEEP_BATCH);
  const tokens = entries.map((e) => tokenOf(e._id));
  const found = (await findByIds(invites, tokens)).map(toInviteRecord);
  const expired = found.filter((i) => i.expiresAt < before);
  const live = new Set(found.filter((i) => i.expiresAt >= before).map((i) => i.token));
  // An invite whose expiry moved later gets its entries again (the new expiry's among them).
  await index.add(found.filter((i) => live.has(i.token)));
  // Every claim, hold, end and revocation of an invite has an `_id` that starts with `TOKEN:`
  // (tokens are base64url: no `:`): one `_id` range each, whatever the invite went through.
  for (const { token } of expired) await redemptions.deleteMany({ _id: { $gt: `${token}:`, $lt: `${token};` } });
  const expiredTokens = expired.map((i) => i.token);
  const removed = await deleteByIds(invites, expiredTokens);
  // The expiry entries last: a sweep cut short is redone from them.
  await index.remove(entries.flatMap((e) => (live.has(tokenOf(e._id)) ? [e._id] : [...(e.entries ?? []), e._id])));
  return { removed, more: entries.length === SWEEP_BATCH };
}

/** Gives invites stored before the invite index existed their entries (see mongo-invite-index.ts). */
export async function backfillInviteIndex(db: Db): Promise<void> {
  const invites = db.collection<InviteDocument>('invites');
  await mongoInviteIndex(db).backfill(async function* () {
    for await (const doc of invites.find(INVITES_ONLY)) yield toInviteRecord(doc);
  });
}

/** Invites in the `invites` collection; their uses and revocations in `redemptions` (mongo-redemptions.ts). */
export function mongoInviteStore(db: Db, holds: RevocationHolds, batching: InviteInsertBatching): InviteStore {
  const invites = db.collection<InviteDocument>('invites');
  const redemptions = mongoRedemptions(db, holds);
  const index = mongoInviteIndex(db);
  const inserts = inviteInserts(invites, batching);
  return {
    insert: (invite) => inserts.submit(toInviteDocument(invite)),
    async insertMany(records) {
      const docs = records.map(toInviteDocument);
      const outcomes = await insertWithEntries(invites, docs);
      const failed = outcomes.find((o) => o !== undefined);
      if (!failed) return;
      // All or nothing: what was written of a failed batch is removed again (best effort).
      const written = records.filter((_, i) => outcomes[i] === undefined);
      await deleteByIds(invites, [...written.flatMap(entriesOf).map((e) => e._id), ...written.map((r) => r.token)]);
      throw outcomes.find((o) => o instanceof StoreConflict) ?? failed;
    },
    async update(token, change: InviteChange) {
      const { version, quota, ...fields } = change;
      // Edits are serialised by claimEdit; the version guard keeps a late write from undoing a newer one.
      await invites.updateOne(
        { _id: token, $or: [{ editVersion: { $exists: false } }, { editVersion: { $lt: version } }] },
        { $set: { ...fields, ...(quota ? { quota } : {}), editVersion: version } },
      );
    },
    ...mongoInviteEdits(db),
    async deleteExpired(before) {
      let removed = 0;
      for (let more = true; more;) {
        const batch = await sweepBatch(invites, db.collection<{ _id: string }>('redemptions'), index, before);
        removed += batch.removed;
        more = batch.more;
      }
      await sweepQuotaDocuments(db, before);
      return removed;
    },
    async find(token) {
      const doc = await invites.findOne({ _id: token });
      return doc ? toInviteRecord(doc) : undefined;
    },
    list(query, after, limit) {
      const keep = (i: InviteRecord) => (query.host === undefined || i.host === query.host) && expiryMatches(query, i);
      return readListing(invites, index, listingRange(scopeOfQuery(query), after), limit, keep);
    },
    claimUse: redemptions.claimUse,
    revoke: redemptions.revoke,
    usage: redemptions.usage,
    async listCreated(query) {
      const perHost = await Promise.all(
        query.hosts.map((host) =>
          readListing(invites, index, listingRange(scopeOfQuery({ host }), undefined, query.since), query.limit, () => true),
        ),
      );
      return perHost.flat().sort(newestFirst).slice(0, query.limit);
    },
  };
}
