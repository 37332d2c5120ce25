import { MongoClient } from 'mongodb';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultEmbeddedDbBinary } from '../../server/app/package-root.js';
import { startEmbeddedDb, type EmbeddedDb } from '../../server/embedded/embedded-db.js';

/**
 * One database engine per test run: real MongoDB when MONGODB_URI is set, otherwise the
 * embedded engine in a temporary directory. Each suite gets a database of its own.
 */
let engine: { uri: string; stop: () => Promise<void> } | undefined;

export async function startTestEngine(): Promise<void> {
  const given = process.env.MONGODB_URI;
  if (given) {
    engine = { uri: given, stop: async () => {} };
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'invites-test-db-'));
  const db: EmbeddedDb = await startEmbeddedDb({ binary: defaultEmbeddedDbBinary(), dataDir: dir });
  engine = {
    uri: db.uri,
    stop: async () => {
      await db.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function stopTestEngine(): Promise<void> {
  await engine?.stop();
  engine = undefined;
}

export function testEngineUri(): string {
  if (!engine) throw new Error('the test database engine is not running (root hooks not loaded?)');
  return engine.uri;
}

export interface TestDatabase {
  uri: string;
  name: string;
  client: MongoClient;
  drop(): Promise<void>;
}

/** A fresh, uniquely named database; `drop()` removes it and closes the client. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const uri = testEngineUri();
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
