import { ObjectId, type AnyBulkWriteOperation, type Db, type IndexDescription } from 'mongodb';
import type { AuditRecord } from '../domain/audit.js';
import type { AuditStore, KeyUsageStore, RateCounterStore, TimeRangeQuery } from './store.js';
import { sumKeyUsage } from '../domain/key.js';
import { isDuplicateKey } from './driver-errors.js';
import { onlyDuplicates } from './mongo-redemptions.js';
import { AFTER_SCOPE, newestFirstKey } from './sortable-time.js';

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
  /**
   * `a|HOST|TIME|SEQ`: TIME counts down and SEQ (an ObjectId's hex, each digit inverted) too, so a
   * host's trail newest first is an ascending `_id` range, read sorted and limited from the index
   * on every engine. Events recorded before this had an ObjectId (see migrateAuditIds).
   */
  _id: string;
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

const invertHex = (hex: string) => hex.replace(/[0-9a-f]/g, (d) => (15 - parseInt(d, 16)).toString(16));
const auditId = (host: string, at: Date, seq: ObjectId) => `a|${host}|${newestFirstKey(at)}|${invertHex(seq.toHexString())}`;
const auditRange = (host: string, since: Date | undefined) => ({
  $gt: `a|${host}|`,
  $lt: since ? `a|${host}|${newestFirstKey(since)}${AFTER_SCOPE}` : `a|${host}${AFTER_SCOPE}`,
});
/** Present once the events recorded with ObjectId `_id`s have their `a|...` ones. */
const AUDIT_MIGRATED = 'm|audit-ids-v1';

/**
 * Gives the events recorded before `a|...` ids theirs (the same id from the same event, so an
 * interrupted run is redone at the next start), once.
 */
export async function migrateAuditIds(db: Db): Promise<void> {
  const audit = db.collection<AuditDocument>('audit');
  if (await audit.findOne({ _id: AUDIT_MIGRATED }, { projection: { _id: 1 } })) return;
  const legacy = db.collection<Omit<AuditDocument, '_id'> & { _id: ObjectId }>('audit');
  for (;;) {
    const old = await legacy
      .find({ _id: { $type: 'objectId' } })
      .limit(500)
      .toArray();
    if (old.length === 0) break;
    const copies = old.map((d) => ({ ...d, _id: auditId(d.host, d.at, d._id) }));
    await audit.insertMany(copies, { ordered: false }).catch((err: unknown) => {
      if (!onlyDuplicates(err)) throw err;
    });
    await legacy.deleteMany({ _id: { $in: old.map((d) => d._id) } });
  }
  await db
    .collection<{ _id: string }>('audit')
    .insertOne({ _id: AUDIT_MIGRATED })
    .catch((err: unknown) => {
      if (!isDuplicateKey(err)) throw err;
    });
}

/** `|TIME|SEQ` of an event's `_id`: ascending is newest first across hosts. */
const timeAndSeq = (d: AuditDocument) => d._id.slice(d._id.indexOf('|', 2));
const byNewest = (a: AuditDocument, b: AuditDocument) => (timeAndSeq(a) < timeAndSeq(b) ? -1 : 1);

/** The document the store writes for `event` (exported for the benchmark's bulk fill). */
export function auditDocument(event: AuditRecord): AuditDocument {
  return {
    _id: auditId(event.host, event.at, new ObjectId()),
    at: event.at,
    action: event.action,
    actor: event.actor,
    host: event.host,
    ...(event.keyId ? { keyId: event.keyId } : {}),
    ...(event.inviteToken ? { inviteToken: event.inviteToken } : {}),
    ...(event.webhookId ? { webhookId: event.webhookId } : {}),
  };
}

export function auditStore(db: Db): AuditStore {
  const audit = db.collection<AuditDocument>('audit');
  const listHost = (host: string, q: TimeRangeQuery) =>
    audit
      .find({ _id: auditRange(host, q.since) })
      .sort({ _id: 1 })
      .limit(q.limit)
      .toArray();
  return {
    async insert(event) {
      await audit.insertOne(auditDocument(event));
    },
    async list(query) {
      const perHost = await Promise.all(query.hosts.map((host) => listHost(host, query)));
      return perHost.flat().sort(byNewest).slice(0, query.limit).map(toAuditRecord);
    },
  };
}
