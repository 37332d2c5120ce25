import { Binary, MongoBulkWriteError, MongoClient, MongoServerError, type Collection, type Db, type Filter, type IndexDescription } from 'mongodb';
import { isDatabaseUnavailable, mapDriverError, withDriverErrorsMapped } from './driver-errors.js';
import { createGroupCommit } from './group-commit.js';
import { mongoInviteHolds, revokedId, usageOf } from './mongo-invite-holds.js';
import { auditStore, rateCounterStore, usageStore, SUPPORT_INDEXES } from './mongo-support-collections.js';
import type { InviteRecord } from '../domain/invite.js';
import type { KeyRecord } from '../domain/key.js';
import type { Store, TimeRangeQuery } from './store.js';
import { StoreConflict } from './store.js';

interface KeyDocument {
  _id: string;
  host: string;
  name: string;
  secretHash: Binary;
  createdAt: Date;
  expiresAt?: Date;
  disabled?: boolean;
  rateLimitPerMinute?: number;
  rotatedAt?: Date;
}

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

/**
 * A claim on one use of an invite, `_id` `TOKEN:USE`: the unique `_id` makes each use claimable
 * exactly once, on every engine. `kind: 'void'` is a use taken by a revocation. The revocation
 * itself is `_id` `TOKEN:revoked`, `kind: 'revoked'`. Holds and their ends: mongo-invite-holds.ts.
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

const DUPLICATE_KEY = 11000;
const NOT_IMPLEMENTED = 238;
const NAMESPACE_NOT_FOUND = 26;
const INDEX_OPTIONS_CONFLICT = 85;
/** How often the driver checks on the database (its default is 10 s). */
const HEARTBEAT_MS = 2000;

// Key ids and invite tokens are the `_id`s, so the always-present unique `_id` index is the
// "unique key id" and "unique invite token" index; these are what the queries need besides.
const KEY_INDEXES: IndexDescription[] = [{ name: 'keys_by_host_newest', key: { host: 1, createdAt: -1 } }];
const INVITE_INDEXES: IndexDescription[] = [
  { name: 'invites_by_host_newest', key: { host: 1, createdAt: -1 } },
  { name: 'invites_by_key_newest', key: { keyId: 1, createdAt: -1 } },
];
const INVITE_EXPIRY_INDEX = 'invites_by_expiry';
const REDEMPTION_INDEXES: IndexDescription[] = [{ name: 'redemptions_by_token', key: { token: 1 } }];
const REDEMPTION_EXPIRY_INDEX = 'redemptions_by_expiry';

export interface MongoStoreOptions {
  uri: string;
  database: string;
  /** Seconds an expired invite is kept before the database may remove it. */
  expiredRetentionSeconds: number;
  /** Ms before a request fails when the database can't be reached. */
  serverSelectionTimeoutMS?: number;
  /** Ms to keep trying to reach the database at start before giving up. */
  startTimeoutMs?: number;
  /** Invite inserts written together at most (see group-commit.ts). */
  maxInsertBatch?: number;
  /** Invite insert batches in flight at once (default: by engine, see defaultInsertsInFlight). */
  maxInsertsInFlight?: number;
  /** Called with the name of every command sent (monitoring). */
  onCommand?: (commandName: string) => void;
}

function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === DUPLICATE_KEY;
}

const toKeyRecord = (d: KeyDocument): KeyRecord => ({
  id: d._id,
  host: d.host,
  name: d.name,
  secretHash: d.secretHash.buffer,
  createdAt: d.createdAt,
  expiresAt: d.expiresAt ?? undefined,
  disabled: d.disabled ?? false,
  rateLimitPerMinute: d.rateLimitPerMinute ?? undefined,
  rotatedAt: d.rotatedAt ?? undefined,
});

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

/** True when an unordered bulk insert failed only on duplicate keys (and was otherwise durably written). */
function onlyDuplicates(err: unknown): boolean {
  if (!(err instanceof MongoBulkWriteError)) return isDuplicateKey(err);
  if (err.result?.getWriteConcernError()) return false;
  const errors = err.result?.getWriteErrors() ?? [];
  return errors.length > 0 && errors.every((e) => e.code === DUPLICATE_KEY);
}

/**
 * A TTL index on `field`, updated in place when the retention setting changed. False when the
 * engine has no TTL indexes (the embedded one): then a plain index, and the service sweeps.
 */
async function ensureExpiryIndex(db: Db, collection: string, field: string, name: string, retentionSeconds: number): Promise<boolean> {
  try {
    await db.collection(collection).createIndex({ [field]: 1 }, { name, expireAfterSeconds: retentionSeconds });
    return true;
  } catch (err) {
    if (err instanceof MongoServerError && err.code === INDEX_OPTIONS_CONFLICT) {
      await db.command({ collMod: collection, index: { name, expireAfterSeconds: retentionSeconds } });
      return true;
    }
    if (!(err instanceof MongoServerError) || err.code !== NOT_IMPLEMENTED) throw err;
    await db.collection(collection).createIndex({ [field]: 1 }, { name });
    return false;
  }
}

/** Creates the indexes and waits for them; true when the database expires invites (and their redemptions) itself. */
async function ensureIndexes(db: Db, retentionSeconds: number): Promise<boolean> {
  // One index per command: FerretDB v1 panics on a createIndexes of several that all exist already.
  for (const [collection, indexes] of [['keys', KEY_INDEXES], ['invites', INVITE_INDEXES], ['redemptions', REDEMPTION_INDEXES], ...Object.entries(SUPPORT_INDEXES)] as const) {
    for (const index of indexes) await db.collection(collection).createIndexes([index]);
  }
  const invitesExpire = await ensureExpiryIndex(db, 'invites', 'expiresAt', INVITE_EXPIRY_INDEX, retentionSeconds);
  const redemptionsExpire = await ensureExpiryIndex(db, 'redemptions', 'inviteExpiresAt', REDEMPTION_EXPIRY_INDEX, retentionSeconds);
  return invitesExpire && redemptionsExpire;
}

export async function openMongoStore(options: MongoStoreOptions): Promise<Store> {
  const deadline = Date.now() + (options.startTimeoutMs ?? 0);
  // A database that starts a little after the server (e.g. in one compose file) is waited for.
  for (;;) {
    try {
      return await openMongoStoreOnce(options);
    } catch (err) {
      if (!isDatabaseUnavailable(err) || Date.now() >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function openMongoStoreOnce(options: MongoStoreOptions): Promise<Store> {
  const serverSelectionTimeoutMS = options.serverSelectionTimeoutMS ?? 5000;
  const client = new MongoClient(options.uri, {
    // Fail fast when the database is down: requests get 503 instead of hanging.
    serverSelectionTimeoutMS,
    connectTimeoutMS: Math.max(1000, serverSelectionTimeoutMS),
    // Requests waiting on a database that stopped answering (no reset: a frozen host, a network
    // dropping packets) are failed when the driver's monitor gives up on it: within ~3 s, not ~11 s.
    heartbeatFrequencyMS: HEARTBEAT_MS,
    // An invite reported as created must survive the loss of the primary: majority + journal.
    writeConcern: { w: 'majority', journal: true },
    readConcern: { level: 'majority' },
    retryWrites: true,
    monitorCommands: options.onCommand !== undefined,
  });
  if (options.onCommand) {
    const onCommand = options.onCommand;
    client.on('commandStarted', (event) => onCommand(event.commandName));
  }
  try {
    await client.connect();
    const db = client.db(options.database);
    const expiresInvitesItself = await ensureIndexes(db, options.expiredRetentionSeconds);
    const engine = await db.admin().command({ buildInfo: 1 });
    const insertsInFlight = options.maxInsertsInFlight ?? defaultInsertsInFlight(engine);
    return createMongoStore(client, db, { expiresInvitesItself, insertsInFlight }, options);
  } catch (err) {
    await client.close();
    throw err;
  }
}

/**
 * MongoDB writes batches side by side, so a second one goes out while the first waits for its
 * journal. FerretDB on SQLite has one writer: a second batch would only wait for the write lock
 * in SQLite's busy loop, which sleeps up to 100 ms at a time (measured at 32 in flight: p99 53-57 ms
 * with two in flight, 38-43 ms with one, and fewer, larger batches).
 */
export function defaultInsertsInFlight(buildInfo: { ferretdbVersion?: unknown }): number {
  return buildInfo.ferretdbVersion === undefined ? 2 : 1;
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
      writeError.code === DUPLICATE_KEY ? new StoreConflict('invite token is taken') : new Error(`insert failed: ${writeError.errmsg ?? writeError.code}`);
  }
  return outcomes;
}

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

/** What openMongoStore learned about the engine: TTL indexes, and how many insert batches to keep in flight. */
interface EngineFit {
  expiresInvitesItself: boolean;
  insertsInFlight: number;
}

function createMongoStore(client: MongoClient, db: Db, { expiresInvitesItself, insertsInFlight }: EngineFit, options: MongoStoreOptions): Store {
  const keys: Collection<KeyDocument> = db.collection('keys');
  const invites: Collection<InviteDocument> = db.collection('invites');
  const redemptions: Collection<RedemptionDocument> = db.collection('redemptions');
  const holds = mongoInviteHolds(db.collection('redemptions'));
  // Concurrent creates share one insertMany; each caller still waits for its own document.
  const inviteInserts = createGroupCommit<InviteDocument>({
    maxBatch: options.maxInsertBatch ?? 256,
    maxInFlight: insertsInFlight,
    async write(docs) {
      try {
        await invites.insertMany(docs, { ordered: false });
        return docs.map(() => undefined);
      } catch (err) {
        return insertOutcomes(err, docs.length);
      }
    },
  });
  const updateKey = async (host: string, id: string, set: Partial<KeyDocument>) => {
    const doc = await keys.findOneAndUpdate({ _id: id, host }, { $set: set }, { returnDocument: 'after' });
    return doc ? toKeyRecord(doc) : undefined;
  };
  const inRange = (q: TimeRangeQuery, field: string) => ({ host: { $in: [...q.hosts] }, ...(q.since ? { [field]: { $gte: q.since } } : {}) });
  return {
    expiresInvitesItself,
    holds: withDriverErrorsMapped(holds),
    keys: withDriverErrorsMapped({
      async insert(key) {
        try {
          await keys.insertOne({
            _id: key.id,
            host: key.host,
            name: key.name,
            secretHash: new Binary(key.secretHash),
            createdAt: key.createdAt,
            ...(key.expiresAt ? { expiresAt: key.expiresAt } : {}),
            ...(key.disabled ? { disabled: true } : {}),
            ...(key.rateLimitPerMinute !== undefined ? { rateLimitPerMinute: key.rateLimitPerMinute } : {}),
          });
        } catch (err) {
          if (isDuplicateKey(err)) throw new StoreConflict(`key id ${key.id} is taken`);
          throw err;
        }
      },
      async findById(id) {
        const doc = await keys.findOne({ _id: id });
        return doc ? toKeyRecord(doc) : undefined;
      },
      async listByHost(host) {
        const docs = await keys.find({ host }).sort({ createdAt: -1, _id: 1 }).toArray();
        return docs.map(toKeyRecord);
      },
      async delete(host, id) {
        const result = await keys.deleteOne({ _id: id, host });
        return result.deletedCount === 1;
      },
      setDisabled: (host, id, disabled) => updateKey(host, id, { disabled }),
      replaceSecret: (host, id, secretHash, rotatedAt) => updateKey(host, id, { secretHash: new Binary(secretHash), rotatedAt }),
    }),
    invites: withDriverErrorsMapped({
      insert: (invite) => inviteInserts.submit(toInviteDocument(invite)),
      async deleteExpired(before) {
        const result = await invites.deleteMany({ expiresAt: { $lt: before } });
        await redemptions.deleteMany({ inviteExpiresAt: { $lt: before } });
        return result.deletedCount;
      },
      async find(token) {
        const doc = await invites.findOne({ _id: token });
        return doc ? toInviteRecord(doc) : undefined;
      },
      async list(query, after, limit) {
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
        const docs = await invites.find(filter).sort({ createdAt: -1, _id: 1 }).limit(limit).toArray();
        return docs.map(toInviteRecord);
      },
      async claimUse(redemption, inviteExpiresAt) {
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
      },
      async revoke(invite, at) {
        const base = { token: invite.token, at, inviteExpiresAt: invite.expiresAt };
        // The marker first, so a redeem that finds no free use can tell "revoked" from "used up".
        try {
          await redemptions.insertOne({ _id: `${invite.token}:revoked`, kind: 'revoked', ...base });
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
        const taken = new Set(
          (await redemptions.find({ token: invite.token, kind: { $ne: 'revoked' } }, { projection: { _id: 1 } }).toArray()).map((d) => d._id),
        );
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
        await holds.endAllForRevocation(invite.token, at, invite.expiresAt);
      },
      async usage(tokens) {
        if (tokens.length === 0) return new Map();
        return usageOf(await redemptions.find({ token: { $in: [...tokens] }, kind: { $ne: 'void' } }).toArray());
      },
      async listCreated(query) {
        const docs = await invites.find(inRange(query, 'createdAt')).sort({ createdAt: -1, _id: 1 }).limit(query.limit).toArray();
        return docs.map(toInviteRecord);
      },
    }),
    async ping() {
      await db.command({ ping: 1 }).catch(mapDriverError);
    },
    async missingIndexes() {
      const present = async (c: Collection<never>) => {
        try {
          return (await c.listIndexes().toArray()).map((i) => String(i.name));
        } catch (err) {
          if (err instanceof MongoServerError && err.code === NAMESPACE_NOT_FOUND) return [];
          throw err;
        }
      };
      const [keyIndexes, inviteIndexes, redemptionIndexes] = await Promise.all([
        present(db.collection('keys')),
        present(db.collection('invites')),
        present(db.collection('redemptions')),
      ]);
      return [
        ...KEY_INDEXES.map((i) => i.name!).filter((n) => !keyIndexes.includes(n)),
        ...[...INVITE_INDEXES.map((i) => i.name!), INVITE_EXPIRY_INDEX].filter((n) => !inviteIndexes.includes(n)),
        ...[...REDEMPTION_INDEXES.map((i) => i.name!), REDEMPTION_EXPIRY_INDEX].filter((n) => !redemptionIndexes.includes(n)),
        ...(
          await Promise.all(
            Object.entries(SUPPORT_INDEXES).map(async ([collection, indexes]) => {
              const names = await present(db.collection(collection));
              return indexes.map((i) => i.name!).filter((n) => !names.includes(n));
            }),
          )
        ).flat(),
      ];
    },
    async close() {
      await client.close();
    },
    keyUsage: withDriverErrorsMapped(usageStore(db)),
    rateCounters: withDriverErrorsMapped(rateCounterStore(db)),
    audit: withDriverErrorsMapped(auditStore(db)),
  };
}
