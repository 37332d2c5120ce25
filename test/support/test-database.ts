import { MongoClient } from 'mongodb';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultEmbeddedDbBinary } from '../../server/app/package-root.js';
import { startEmbeddedDb, type EmbeddedDb } from '../../server/embedded/embedded-db.js';
import { openMongoStore } from '../../server/store/mongo-store.js';
import type { Store } from '../../server/store/store.js';

/**
 * One database engine per test run: real MongoDB when MONGODB_URI is set, otherwise the
 * embedded engine in a temporary directory. Each suite gets a database of its own.
 */
interface Engine {
  uri: string;
  stop: () => Promise<void>;
}

let engine: Promise<Engine> | undefined;

async function startTestEngine(): Promise<Engine> {
  const given = process.env.MONGODB_URI;
  if (given) return { uri: given, stop: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), 'invites-test-db-'));
  const db: EmbeddedDb = await startEmbeddedDb({ binary: defaultEmbeddedDbBinary(), dataDir: dir });
  return {
    uri: db.uri,
    stop: async () => {
      await db.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Stops the engine if a test started it (the root hooks call this once after all tests). */
export async function stopTestEngine(): Promise<void> {
  const started = engine;
  engine = undefined;
  await (await started?.catch(() => undefined))?.stop();
}

/** The engine's URI, starting it on first use: only the tiers that need a database pay for it. */
export async function testEngineUri(): Promise<string> {
  engine ??= startTestEngine();
  return (await engine).uri;
}

export interface TestDatabase {
  uri: string;
  name: string;
  client: MongoClient;
  drop(): Promise<void>;
}

/** A fresh, uniquely named database; `drop()` removes it and closes the client. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const uri = await testEngineUri();
  const name = `test_${randomBytes(6).toString('hex')}`;
  const client = await MongoClient.connect(uri);
  return {
    uri,
    name,
    client,
    async drop() {
      await client.db(name).dropDatabase();
      await client.close();
    },
  };
}

/** Runs `work` with a store on a fresh database (no expiry retention), then closes and drops both. */
export async function withFreshMongoStore(work: (it: { db: TestDatabase; store: Store }) => Promise<void>): Promise<void> {
  const db = await createTestDatabase();
  const store = await openMongoStore({ uri: db.uri, database: db.name });
  try {
    await work({ db, store });
  } finally {
    await store.close();
    await db.drop();
  }
}
