import {
  MongoBulkWriteError,
  MongoServerError,
  MongoWriteConcernError,
  type Collection,
  type Db,
  type Filter,
  type IndexDescription,
} from 'mongodb';
import type { InviteRecord } from '../domain/invite.js';
import { DUPLICATE_KEY } from './driver-errors.js';
import { createGroupCommit } from './group-commit.js';
import { mongoRedemptions, type RevocationHolds } from './mongo-redemptions.js';
import type { InviteCursor, InviteListQuery, InviteStore, TimeRangeQuery } from './store.js';
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
}

// Invite tokens are the `_id`s, so the always-present unique `_id` index is the "unique invite
// token" index; these are what the queries need besides.
export const INVITE_INDEXES: IndexDescription[] = [
  { name: 'invites_by_host_newest', key: { host: 1, createdAt: -1 } },
  { name: 'invites_by_key_newest', key: { keyId: 1, createdAt: -1 } },
];
export const INVITE_EXPIRY_INDEX = 'invites_by_expiry';

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
});

function toInviteDocument(invite: InviteRecord): InviteDocument {
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
 * Outcome of an insertOne: a duplicate `_id` is that document's conflict; anything else (a
 * write-concern failure included, which the driver throws as its own error) fails it.
 */
export function insertOneOutcome(err: unknown): Error {
  if (err instanceof MongoServerError && !(err instanceof MongoWriteConcernError) && err.code === DUPLICATE_KEY) {
    return new StoreConflict('invite token is taken');
  }
  throw err;
}

/**
 * Concurrent creates share one insertMany; each caller still waits for its own document. A lone
 * document (every write at one request in flight) goes as an insertOne: the same insert command
 * and write concern, without insertMany's bulk-write layer, which cost the server some 0.04 ms of
 * CPU per write (bench/README.md).
 */
function inviteInserts(invites: Collection<InviteDocument>, { maxBatch, maxInFlight }: InviteInsertBatching) {
  return createGroupCommit<InviteDocument>({
    maxBatch,
    maxInFlight,
    async write(docs) {
      if (docs.length === 1) {
        try {
          await invites.insertOne(docs[0]!);
          return [undefined];
        } catch (err) {
          return [insertOneOutcome(err)];
        }
      }
      try {
        await invites.insertMany(docs, { ordered: false });
        return docs.map(() => undefined);
      } catch (err) {
        return insertOutcomes(err, docs.length);
      }
    },
  });
}

function listFilter(query: InviteListQuery, after: InviteCursor | undefined): Filter<InviteDocument> {
  const filter: Filter<InviteDocument> = {};
  if (query.host !== undefined) filter.host = query.host;
  if (query.keyId !== undefined) filter.keyId = query.keyId;
  if (query.inviter !== undefined) filter.inviter = query.inviter;
  if (query.expiresAfter !== undefined || query.expiresAtOrBefore !== undefined) {
    filter.expiresAt = {
      ...(query.expiresAfter !== undefined ? { $gt: query.expiresAfter } : {}),
      ...(query.expiresAtOrBefore !== undefined ? { $lte: query.expiresAtOrBefore } : {}),
    };
  }
  if (after) filter.$or = [{ createdAt: { $lt: after.createdAt } }, { createdAt: after.createdAt, _id: { $gt: after.token } }];
  return filter;
}

const createdInRange = (q: TimeRangeQuery): Filter<InviteDocument> => ({
  host: { $in: [...q.hosts] },
  ...(q.since ? { createdAt: { $gte: q.since } } : {}),
});

/** Invites in the `invites` collection; their uses and revocations in `redemptions` (mongo-redemptions.ts). */
export function mongoInviteStore(db: Db, holds: RevocationHolds, batching: InviteInsertBatching): InviteStore {
  const invites = db.collection<InviteDocument>('invites');
  const redemptions = mongoRedemptions(db, holds);
  const inserts = inviteInserts(invites, batching);
  return {
    insert: (invite) => inserts.submit(toInviteDocument(invite)),
    async deleteExpired(before) {
      const result = await invites.deleteMany({ expiresAt: { $lt: before } });
      await redemptions.deleteExpired(before);
      return result.deletedCount;
    },
    async find(token) {
      const doc = await invites.findOne({ _id: token });
      return doc ? toInviteRecord(doc) : undefined;
    },
    async list(query, after, limit) {
      const docs = await invites.find(listFilter(query, after)).sort({ createdAt: -1, _id: 1 }).limit(limit).toArray();
      return docs.map(toInviteRecord);
    },
    claimUse: redemptions.claimUse,
    revoke: redemptions.revoke,
    usage: redemptions.usage,
    async listCreated(query) {
      const docs = await invites.find(createdInRange(query)).sort({ createdAt: -1, _id: 1 }).limit(query.limit).toArray();
      return docs.map(toInviteRecord);
    },
  };
}
