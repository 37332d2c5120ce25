import type { HostConfig } from '../config/config.js';
import { generateApiKey, isKeyId } from '../domain/api-key.js';
import { DomainError, unknownHost } from '../domain/errors.js';
import { hashSecret } from '../domain/secret-hash.js';
import type { KeyRecord, KeyStore } from '../store/store.js';
import { StoreConflict } from '../store/store.js';
import type { KeyLookup } from './key-lookup.js';

export const MAX_KEY_NAME_LENGTH = 200;

export interface KeyAdminServiceDeps {
  keys: KeyStore;
  keyLookup: Pick<KeyLookup, 'invalidate'>;
  hosts: ReadonlyMap<string, HostConfig>;
  now: () => Date;
}

export interface KeyAdminService {
  /** Returns the stored record and the full key `ID/SECRET`, which is never available again. */
  createKey(host: string, name: string): Promise<{ key: KeyRecord; fullKey: string }>;
  listKeys(host: string): Promise<KeyRecord[]>;
  deleteKey(host: string, id: string): Promise<void>;
}

const keyNotFound = () => new DomainError('not_found', 'key not found');

export function createKeyAdminService(deps: KeyAdminServiceDeps): KeyAdminService {
  const configuredHost = (host: string): HostConfig => {
    if (!host) throw new DomainError('invalid_argument', 'host is required, e.g. example.com');
    const config = deps.hosts.get(host.toLowerCase());
    if (!config) throw unknownHost(host, [...deps.hosts.keys()]);
    return config;
  };

  return {
    async createKey(hostName, name) {
      const host = configuredHost(hostName);
      if (name.length > MAX_KEY_NAME_LENGTH) {
        throw new DomainError('invalid_argument', `name is too long: at most ${MAX_KEY_NAME_LENGTH} characters`);
      }
      if (/\p{Cc}/u.test(name)) {
        throw new DomainError('invalid_argument', 'name must not contain control characters such as newlines or tabs');
      }
      for (let attempt = 0; ; attempt++) {
        const generated = generateApiKey();
        const key: KeyRecord = {
          id: generated.id,
          host: host.name,
          name: name.trim(),
          secretHash: hashSecret(generated.secret),
          createdAt: deps.now(),
        };
        try {
          await deps.keys.insert(key);
          return { key, fullKey: generated.full };
        } catch (err) {
          if (!(err instanceof StoreConflict) || attempt >= 2) throw err;
        }
      }
    },
    async listKeys(hostName) {
      return deps.keys.listByHost(configuredHost(hostName).name);
    },
    async deleteKey(hostName, id) {
      const host = configuredHost(hostName);
      if (!isKeyId(id)) throw keyNotFound();
      const deleted = await deps.keys.delete(host.name, id);
      deps.keyLookup.invalidate(id);
      if (!deleted) throw keyNotFound();
    },
  };
}
