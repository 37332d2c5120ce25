import { Binary, MongoBulkWriteError, MongoClient, MongoServerError, type Collection, type Db, type IndexDescription } from 'mongodb';
import { createGroupCommit } from './group-commit.js';
import type { InviteRecord, KeyRecord, Store } from './store.js';
import { StoreConflict } from './store.js';

interface KeyDocument {
  _id: string;
  host: string;
  name: string;
  secretHash: Binary;
  createdAt: Date;
}

interface InviteDocument {
  _id: string;
  host: string;
  kind: InviteRecord['kind'];
  createdAt: Date;
  expiresAt: Date;
  source: string;
  keyId: string | null;
}

const DUPLICATE_KEY = 11000;
const NOT_IMPLEMENTED = 238;
const NAMESPACE_NOT_FOUND = 26;
const INDEX_OPTIONS_CONFLICT = 85;

// Key ids and invite tokens are the `_id`s, so the always-present unique `_id` index is the
// "unique key id" and "unique invite token" index; these are what the queries need besides.
const KEY_INDEXES: IndexDescription[] = [{ name: 'keys_by_host_newest', key: { host: 1, createdAt: -1 } }];
const INVITE_INDEXES: IndexDescription[] = [{ name: 'invites_by_host_newest', key: { host: 1, createdAt: -1 } }];
const INVITE_EXPIRY_INDEX = 'invites_by_expiry';

export interface MongoStoreOptions {
  uri: string;
  database: string;
  /** Seconds an expired invite is kept before the database may remove it. */
  expiredRetentionSeconds: number;
  /** Ms before a request fails when the database can't be reached. */
  serverSelectionTimeoutMS?: number;
  /** Invite inserts written together at most (see group-commit.ts). */
  maxInsertBatch?: number;
  /** Invite insert batches in flight at once. */
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
});

const toInviteRecord = (d: InviteDocument): InviteRecord => ({
  token: d._id,
  host: d.host,
  kind: d.kind,
  createdAt: d.createdAt,
  expiresAt: d.expiresAt,
  source: d.source,
  keyId: d.keyId ?? undefined,
});

/**
 * Creates the indexes and waits for them. The TTL index is tried first; an engine without
 * TTL support (the embedded one) gets a plain index and the service sweeps expired invites.
 */
async function ensureIndexes(db: Db, retentionSeconds: number): Promise<boolean> {
  await db.collection('keys').createIndexes(KEY_INDEXES);
  await db.collection('invites').createIndexes(INVITE_INDEXES);
  const invites = db.collection('invites');
  try {
    await invites.createIndex({ expiresAt: 1 }, { name: INVITE_EXPIRY_INDEX, expireAfterSeconds: retentionSeconds });
    return true;
  } catch (err) {
    if (err instanceof MongoServerError && err.code === INDEX_OPTIONS_CONFLICT) {
      // The retention setting changed since the index was made: update it in place.
      await db.command({ collMod: 'invites', index: { name: INVITE_EXPIRY_INDEX, expireAfterSeconds: retentionSeconds } });
      return true;
    }
    if (!(err instanceof MongoServerError) || err.code !== NOT_IMPLEMENTED) throw err;
    await invites.createIndex({ expiresAt: 1 }, { name: INVITE_EXPIRY_INDEX });
    return false;
  }
}

export async function openMongoStore(options: MongoStoreOptions): Promise<Store> {
  const client = new MongoClient(options.uri, {
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5000,
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
  await client.connect();
  try {
    const db = client.db(options.database);
    const expiresInvitesItself = await ensureIndexes(db, options.expiredRetentionSeconds);
    return createMongoStore(client, db, expiresInvitesItself, options);
  } catch (err) {
    await client.close();
    throw err;
  }
}

/**
 * Outcome per document of an unordered insertMany: every document not named in writeErrors
 * was written. A write-concern failure leaves durability unknown, so it fails them all.
 */
export function insertOutcomes(err: unknown, count: number): Array<Error | undefined> {
  if (!(err instanceof MongoBulkWriteError) || err.result?.getWriteConcernError()) throw err;
  const outcomes: Array<Error | undefined> = new Array(count).fill(undefined);
  for (const writeError of err.result.getWriteErrors()) {
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
  };
}

function createMongoStore(client: MongoClient, db: Db, expiresInvitesItself: boolean, options: MongoStoreOptions): Store {
  const keys: Collection<KeyDocument> = db.collection('keys');
  const invites: Collection<InviteDocument> = db.collection('invites');
  // Concurrent creates share one insertMany; each caller still waits for its own document.
  const inviteInserts = createGroupCommit<InviteDocument>({
    maxBatch: options.maxInsertBatch ?? 256,
    maxInFlight: options.maxInsertsInFlight ?? 2,
    async write(docs) {
      try {
        await invites.insertMany(docs, { ordered: false });
        return docs.map(() => undefined);
      } catch (err) {
        return insertOutcomes(err, docs.length);
      }
    },
  });
  return {
    expiresInvitesItself,
    keys: {
      async insert(key) {
        try {
          await keys.insertOne({
            _id: key.id,
            host: key.host,
            name: key.name,
            secretHash: new Binary(key.secretHash),
            createdAt: key.createdAt,
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
    },
    invites: {
      insert: (invite) => inviteInserts.submit(toInviteDocument(invite)),
      async findValid(token, now) {
        const doc = await invites.findOne({ _id: token, expiresAt: { $gt: now } });
        return doc ? toInviteRecord(doc) : undefined;
      },
      async deleteExpired(before) {
        const result = await invites.deleteMany({ expiresAt: { $lt: before } });
        return result.deletedCount;
      },
    },
    async ping() {
      await db.command({ ping: 1 });
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
      const [keyIndexes, inviteIndexes] = await Promise.all([present(db.collection('keys')), present(db.collection('invites'))]);
      return [
        ...KEY_INDEXES.map((i) => i.name!).filter((n) => !keyIndexes.includes(n)),
        ...[...INVITE_INDEXES.map((i) => i.name!), INVITE_EXPIRY_INDEX].filter((n) => !inviteIndexes.includes(n)),
      ];
    },
    async close() {
      await client.close();
    },
  };
}
