import { Binary, type Db, type IndexDescription, type UpdateFilter } from 'mongodb';
import type { KeyRecord } from '../domain/key.js';
import { isDuplicateKey } from './driver-errors.js';
import type { KeyStore } from './store.js';
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
  maxValidInvites?: number;
  maxUsesCeiling?: number;
  maxTtlSeconds?: number;
}

// Key ids are the `_id`s, so the always-present unique `_id` index is the "unique key id"
// index; this is what the queries need besides.
export const KEY_INDEXES: IndexDescription[] = [{ name: 'keys_by_host_newest', key: { host: 1, createdAt: -1 } }];

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
  ...(d.maxValidInvites ? { maxValidInvites: d.maxValidInvites } : {}),
  ...(d.maxUsesCeiling ? { maxUsesCeiling: d.maxUsesCeiling } : {}),
  ...(d.maxTtlSeconds ? { maxTtlSeconds: d.maxTtlSeconds } : {}),
});

const toKeyDocument = (key: KeyRecord): KeyDocument => ({
  _id: key.id,
  host: key.host,
  name: key.name,
  secretHash: new Binary(key.secretHash),
  createdAt: key.createdAt,
  ...(key.expiresAt ? { expiresAt: key.expiresAt } : {}),
  ...(key.disabled ? { disabled: true } : {}),
  ...(key.rateLimitPerMinute !== undefined ? { rateLimitPerMinute: key.rateLimitPerMinute } : {}),
  ...(key.maxValidInvites ? { maxValidInvites: key.maxValidInvites } : {}),
  ...(key.maxUsesCeiling ? { maxUsesCeiling: key.maxUsesCeiling } : {}),
  ...(key.maxTtlSeconds ? { maxTtlSeconds: key.maxTtlSeconds } : {}),
});

/** API keys, in the `keys` collection. */
export function mongoKeyStore(db: Db): KeyStore {
  const keys = db.collection<KeyDocument>('keys');
  const updateKey = async (host: string, id: string, set: Partial<KeyDocument>) => {
    const doc = await keys.findOneAndUpdate({ _id: id, host }, { $set: set }, { returnDocument: 'after' });
    return doc ? toKeyRecord(doc) : undefined;
  };
  return {
    async insert(key) {
      try {
        await keys.insertOne(toKeyDocument(key));
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
    async setLimits(host, id, limits) {
      const set = Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== null));
      const unset = Object.fromEntries(
        Object.entries(limits)
          .filter(([, v]) => v === null)
          .map(([k]) => [k, '']),
      );
      const update = { ...(Object.keys(set).length ? { $set: set } : {}), ...(Object.keys(unset).length ? { $unset: unset } : {}) };
      if (Object.keys(update).length === 0) {
        const doc = await keys.findOne({ _id: id, host });
        return doc ? toKeyRecord(doc) : undefined;
      }
      const doc = await keys.findOneAndUpdate({ _id: id, host }, update as UpdateFilter<KeyDocument>, { returnDocument: 'after' });
      return doc ? toKeyRecord(doc) : undefined;
    },
    setDisabled: (host, id, disabled) => updateKey(host, id, { disabled }),
    replaceSecret: (host, id, secretHash, rotatedAt) => updateKey(host, id, { secretHash: new Binary(secretHash), rotatedAt }),
  };
}
