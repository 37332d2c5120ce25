import { ObjectId, type AnyBulkWriteOperation, type Db, type IndexDescription } from 'mongodb';
import type { AuditRecord } from '../domain/audit.js';
import type { AuditStore, KeyUsageStore, RateCounterStore, TimeRangeQuery } from './store.js';
import { sumKeyUsage } from '../domain/key.js';

// The collections beside keys and invites: key use, rate-limit counts and the audit trail.

interface UsageDocument {
  /** `KEY_ID:INSTANCE_ID`: one document per key per server instance, written only by it. */
  _id: string;
  keyId: string;
  instanceId: string;
  count: number;
  lastUsedAt: Date;
}

interface RateCountDocument {
  /** `SCOPE:WINDOW:INSTANCE_ID`: written only by that instance. */
  _id: string;
  kind: string;
  scope: string;
  window: number;
  instanceId: string;
  count: number;
  expiresAt: Date;
}

interface AuditDocument {
  _id: ObjectId;
  at: Date;
  action: AuditRecord['action'];
  actor: string;
  host: string;
  keyId?: string;
  inviteToken?: string;
  webhookId?: string;
}

export const SUPPORT_INDEXES: Record<string, IndexDescription[]> = {
  key_usage: [{ name: 'key_usage_by_key', key: { keyId: 1 } }],
  rate_counts: [
    { name: 'rate_counts_by_window', key: { window: 1, kind: 1, scope: 1 } },
    { name: 'rate_counts_by_expiry', key: { expiresAt: 1 } },
  ],
  audit: [{ name: 'audit_by_host_newest', key: { host: 1, at: -1 } }],
};

export function usageStore(db: Db): KeyUsageStore {
  const usage = db.collection<UsageDocument>('key_usage');
  return {
    async write(instanceId, figures) {
      if (figures.length === 0) return;
      const ops: AnyBulkWriteOperation<UsageDocument>[] = figures.map((f) => ({
        updateOne: {
          filter: { _id: `${f.keyId}:${instanceId}` },
          update: { $set: { keyId: f.keyId, instanceId, count: f.count, lastUsedAt: f.lastUsedAt } },
          upsert: true,
        },
      }));
      await usage.bulkWrite(ops, { ordered: false });
    },
    async totals(keyIds) {
      if (keyIds.length === 0) return new Map();
      return sumKeyUsage(await usage.find({ keyId: { $in: [...keyIds] } }).toArray());
    },
    async deleteKey(keyId) {
      await usage.deleteMany({ keyId });
    },
  };
}

export function rateCounterStore(db: Db): RateCounterStore {
  const counts = db.collection<RateCountDocument>('rate_counts');
  return {
    async write(instanceId, list, expiresAt) {
      if (list.length === 0) return;
      const ops: AnyBulkWriteOperation<RateCountDocument>[] = list.map((c) => ({
        updateOne: {
          filter: { _id: `${c.scope}:${c.window}:${instanceId}` },
          update: { $set: { kind: c.kind, scope: c.scope, window: c.window, instanceId, count: c.count, expiresAt } },
          upsert: true,
        },
      }));
      await counts.bulkWrite(ops, { ordered: false });
    },
    async readOthers(instanceId, window, select) {
      const sums = new Map<string, number>();
      const wanted = [
        ...(select.kinds.length ? [{ kind: { $in: [...select.kinds] } }] : []),
        ...(select.scopes.length ? [{ scope: { $in: [...select.scopes] } }] : []),
      ];
      if (wanted.length === 0) return sums;
      const docs = await counts
        .find({ window, instanceId: { $ne: instanceId }, $or: wanted }, { projection: { scope: 1, count: 1 } })
        .toArray();
      for (const d of docs) sums.set(d.scope, (sums.get(d.scope) ?? 0) + d.count);
      return sums;
    },
    async deleteExpired(before) {
      return (await counts.deleteMany({ expiresAt: { $lt: before } })).deletedCount;
    },
  };
}

const toAuditRecord = (d: AuditDocument): AuditRecord => ({
  at: d.at,
  action: d.action,
  actor: d.actor,
  host: d.host,
  keyId: d.keyId ?? undefined,
  inviteToken: d.inviteToken ?? undefined,
  ...(d.webhookId ? { webhookId: d.webhookId } : {}),
});

export function auditStore(db: Db): AuditStore {
  const audit = db.collection<AuditDocument>('audit');
  const filter = (q: TimeRangeQuery) => ({ host: { $in: [...q.hosts] }, ...(q.since ? { at: { $gte: q.since } } : {}) });
  return {
    async insert(event) {
      await audit.insertOne({
        _id: new ObjectId(),
        at: event.at,
        action: event.action,
        actor: event.actor,
        host: event.host,
        ...(event.keyId ? { keyId: event.keyId } : {}),
        ...(event.inviteToken ? { inviteToken: event.inviteToken } : {}),
        ...(event.webhookId ? { webhookId: event.webhookId } : {}),
      });
    },
    async list(query) {
      const docs = await audit.find(filter(query)).sort({ at: -1, _id: -1 }).limit(query.limit).toArray();
      return docs.map(toAuditRecord);
    },
  };
}
