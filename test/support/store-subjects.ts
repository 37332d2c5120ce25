import { openMongoStore } from '../../server/store/mongo-store.js';
import type { Store } from '../../server/store/store.js';
import { createMemoryStore } from './memory-store.js';
import { createTestDatabase } from './test-database.js';

export interface StoreSubject {
  name: string;
  open(): Promise<{ store: Store; done(): Promise<void> }>;
}

/** The stores a store contract runs against: the in-memory one and the Mongo one on its own database. */
export const STORE_SUBJECTS: readonly StoreSubject[] = [
  { name: 'memory store', open: async () => ({ store: createMemoryStore(), done: async () => {} }) },
  {
    name: 'mongo store',
    open: async () => {
      const db = await createTestDatabase();
      const store = await openMongoStore({ uri: db.uri, database: db.name });
      return { store, done: async () => (await store.close(), await db.drop()) };
    },
  },
];
