import {
  MongoClient,
  MongoServerError,
  type Collection,
  type CommandFailedEvent,
  type CommandStartedEvent,
  type CommandSucceededEvent,
  type Db,
  type IndexDescription,
} from 'mongodb';
import { isDatabaseUnavailable, mapDriverError, withDriverErrorsMapped } from './driver-errors.js';
import { mongoInviteHolds } from './mongo-invite-holds.js';
import { mongoQuotas } from './mongo-quotas.js';
import { backfillInviteIndex, mongoInviteStore } from './mongo-invite-store.js';
import { KEY_INDEXES, mongoKeyStore } from './mongo-key-store.js';
import { REDEMPTION_INDEXES } from './mongo-redemptions.js';
import { auditStore, migrateAuditIds, rateCounterStore, usageStore, SUPPORT_INDEXES } from './mongo-support-collections.js';
import type { Store } from './store.js';
import { mongoWebhookStore, WEBHOOK_INDEXES } from './mongo-webhook-store.js';

export { insertOutcomes } from './mongo-invite-store.js';

const NAMESPACE_NOT_FOUND = 26;
const INDEX_NOT_FOUND = 27;
const NAMESPACE_EXISTS = 48;
/** How often the driver checks on the database (its default is 10 s). */
const HEARTBEAT_MS = 2000;

/** The plain indexes each collection needs, in the order they are created and reported missing. */
const INDEXES: ReadonlyArray<readonly [collection: string, indexes: readonly IndexDescription[]]> = [
  ['keys', KEY_INDEXES],
  ['redemptions', REDEMPTION_INDEXES],
  ...Object.entries(SUPPORT_INDEXES),
  ...Object.entries(WEBHOOK_INDEXES),
];

/**
 * The TTL indexes earlier versions made on MongoDB. Expiry is the sweep's alone now, on every
 * engine (the embedded one has no TTL indexes): one behaviour, tested here, instead of one per
 * engine. A TTL index left beside the sweep would delete invites under it, so it goes at start.
 */
const RETIRED_TTL_INDEXES: ReadonlyArray<readonly [collection: string, name: string]> = [
  ['invites', 'invites_by_expiry'],
  ['redemptions', 'redemptions_by_expiry'],
];

export interface MongoStoreOptions {
  uri: string;
  database: string;
  /** Ms before a request fails when the database can't be reached. */
  serverSelectionTimeoutMS?: number;
  /** Ms to keep trying to reach the database at start before giving up. */
  startTimeoutMs?: number;
  /** Invite inserts written together at most (see group-commit.ts). */
  maxInsertBatch?: number;
  /** Invite insert batches in flight at once (default: by engine, see defaultInsertsInFlight). */
  maxInsertsInFlight?: number;
  /** Told of every command sent and of its end (benchmarks count them; tracing makes spans of them). */
  commandObserver?: CommandObserver;
}

/** The driver's command monitoring events, as the store passes them on. */
export interface CommandObserver {
  started(event: CommandStartedEvent): void;
  succeeded?(event: CommandSucceededEvent): void;
  failed?(event: CommandFailedEvent): void;
}

/** Creates the indexes and waits for them, and drops the TTL indexes of earlier versions. */
async function ensureIndexes(db: Db): Promise<void> {
  // One index per command: FerretDB v1 panics on a createIndexes of several that all exist already.
  for (const [collection, indexes] of INDEXES) {
    for (const index of indexes) await db.collection(collection).createIndexes([index]);
  }
  for (const name of ['invites', 'redemptions']) {
    // Read by `_id` range from the start (and explained in tests), whether or not anything is in them.
    await db.createCollection(name).catch((e: unknown) => {
      if (!(e instanceof MongoServerError) || e.code !== NAMESPACE_EXISTS) throw e;
    });
  }
  for (const [collection, name] of RETIRED_TTL_INDEXES) {
    await db
      .collection(collection)
      .dropIndex(name)
      .catch((e: unknown) => {
        if (!(e instanceof MongoServerError) || (e.code !== INDEX_NOT_FOUND && e.code !== NAMESPACE_NOT_FOUND)) throw e;
      });
  }
}

/** Names of the indexes `collection` has (none when it does not exist yet). */
async function indexNames(collection: Collection<never>): Promise<string[]> {
  try {
    return (await collection.listIndexes().toArray()).map((i) => String(i.name));
  } catch (err) {
    if (err instanceof MongoServerError && err.code === NAMESPACE_NOT_FOUND) return [];
    throw err;
  }
}

/** See Store.missingIndexes. */
async function missingIndexes(db: Db): Promise<string[]> {
  const wanted = INDEXES.flatMap(([collection, indexes]) => indexes.map((i) => [collection, i.name!] as const));
  const collections = [...new Set(wanted.map(([collection]) => collection))];
  const present = new Map(await Promise.all(collections.map(async (c) => [c, await indexNames(db.collection(c))] as const)));
  return wanted.filter(([collection, name]) => !present.get(collection)!.includes(name)).map(([, name]) => name);
}

/** The collections read by `_id` range: listings, the audit trail, the sweep's deletes of claims. */
const READ_BY_ID_RANGE = ['invites', 'audit', 'redemptions'];

/**
 * The embedded engine builds the index that serves `_id` ranges (embedded-db/patches/) on a
 * collection's first such query, which holds its one writer meanwhile (seconds at millions of
 * documents). An empty range asked at start has that happen before requests are served, not in
 * the middle of them; MongoDB just answers it.
 */
async function prepareIdRanges(db: Db): Promise<void> {
  for (const name of READ_BY_ID_RANGE) await db.collection<{ _id: string }>(name).findOne({ _id: { $gt: '', $lt: '' } });
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
    monitorCommands: options.commandObserver !== undefined,
  });
  const observer = options.commandObserver;
  if (observer) {
    client.on('commandStarted', (event) => observer.started(event));
    if (observer.succeeded) client.on('commandSucceeded', observer.succeeded);
    if (observer.failed) client.on('commandFailed', observer.failed);
  }
  try {
    await client.connect();
    const db = client.db(options.database);
    await ensureIndexes(db);
    await backfillInviteIndex(db);
    await migrateAuditIds(db);
    await prepareIdRanges(db);
    const engine = await db.admin().command({ buildInfo: 1 });
    const insertsInFlight = options.maxInsertsInFlight ?? defaultInsertsInFlight(engine);
    return createMongoStore(client, db, { insertsInFlight }, options);
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

/** What openMongoStore learned about the engine: how many insert batches to keep in flight. */
interface EngineFit {
  insertsInFlight: number;
}

/** The store: one factory per collection (or group of them), each wrapped so outages surface as `unavailable`. */
function createMongoStore(client: MongoClient, db: Db, { insertsInFlight }: EngineFit, options: MongoStoreOptions): Store {
  const holds = mongoInviteHolds(db.collection('redemptions'));
  const batching = { maxBatch: options.maxInsertBatch ?? 256, maxInFlight: insertsInFlight };
  return {
    holds: withDriverErrorsMapped(holds),
    keys: withDriverErrorsMapped(mongoKeyStore(db)),
    quotas: withDriverErrorsMapped(mongoQuotas(db)),
    invites: withDriverErrorsMapped(mongoInviteStore(db, holds, batching)),
    async ping() {
      await db.command({ ping: 1 }).catch(mapDriverError);
    },
    missingIndexes: () => missingIndexes(db),
    async close() {
      await client.close();
    },
    keyUsage: withDriverErrorsMapped(usageStore(db)),
    rateCounters: withDriverErrorsMapped(rateCounterStore(db)),
    audit: withDriverErrorsMapped(auditStore(db)),
    webhooks: withDriverErrorsMapped(mongoWebhookStore(db)),
  };
}
