import type { InviteRecord, KeyRecord, Store } from './store.js';
import { StoreConflict } from './store.js';

/**
 * A Store in process memory, for service tests that should not need a database.
 * It honours the same contract as the Mongo store (the store contract tests run on both).
 */
export function createMemoryStore(): Store {
  const keys = new Map<string, KeyRecord>();
  const invites = new Map<string, InviteRecord>();
  const copy = <T extends object>(v: T): T => ({ ...v });
  return {
    expiresInvitesItself: false,
    keys: {
      async insert(key) {
        if (keys.has(key.id)) throw new StoreConflict(`key id ${key.id} is taken`);
        keys.set(key.id, copy(key));
      },
      async findById(id) {
        const k = keys.get(id);
        return k && copy(k);
      },
      async listByHost(host) {
        return [...keys.values()]
          .filter((k) => k.host === host)
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? -1 : 1))
          .map(copy);
      },
      async delete(host, id) {
        if (keys.get(id)?.host !== host) return false;
        return keys.delete(id);
      },
    },
    invites: {
      async insert(invite) {
        if (invites.has(invite.token)) throw new StoreConflict('invite token is taken');
        invites.set(invite.token, copy(invite));
      },
      async findValid(token, now) {
        const i = invites.get(token);
        return i && i.expiresAt > now ? copy(i) : undefined;
      },
      async deleteExpired(before) {
        let n = 0;
        for (const [token, i] of invites) if (i.expiresAt < before && invites.delete(token)) n++;
        return n;
      },
    },
    async ping() {},
    async missingIndexes() {
      return [];
    },
    async close() {},
  };
}
