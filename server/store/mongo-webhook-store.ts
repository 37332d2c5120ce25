import type { Db, IndexDescription } from 'mongodb';
import type { AttemptClaim, DeliveryRecord, WebhookEndpointRecord } from '../domain/webhook.js';
import { isDuplicateKey } from './driver-errors.js';
import { StoreConflict } from './store.js';
import type { WebhookStore } from './webhook-store.js';

type EndpointDocument = Omit<WebhookEndpointRecord, 'id'> & { _id: string };
type DeliveryDocument = Omit<DeliveryRecord, 'id'> & { _id: string };
type AttemptDocument = Omit<AttemptClaim, 'id'> & { _id: string };
interface StateDocument {
  _id: string;
  until: Date;
}

export const WEBHOOK_INDEXES: Record<string, IndexDescription[]> = {
  webhooks: [{ name: 'webhooks_by_host_newest', key: { host: 1, createdAt: -1 } }],
  webhook_deliveries: [
    { name: 'webhook_deliveries_in_order', key: { at: 1, rank: 1 } },
    { name: 'webhook_deliveries_by_host_newest', key: { host: 1, at: -1 } },
  ],
  webhook_history: [
    { name: 'webhook_history_by_host_newest', key: { host: 1, at: -1 } },
    { name: 'webhook_history_by_finish', key: { finishedAt: 1 } },
  ],
  webhook_attempts: [{ name: 'webhook_attempts_by_time', key: { at: 1 } }],
};

const UNFINISHED = ['intent', 'pending'] as const;

const fromDoc = <T extends { _id: string }>({ _id, ...rest }: T) => ({ id: _id, ...rest });

function endpointRecord(d: EndpointDocument): WebhookEndpointRecord {
  return fromDoc(d);
}

export function mongoWebhookStore(db: Db): WebhookStore {
  const endpoints = db.collection<EndpointDocument>('webhooks');
  const deliveries = db.collection<DeliveryDocument>('webhook_deliveries');
  const history = db.collection<DeliveryDocument>('webhook_history');
  const attempts = db.collection<AttemptDocument>('webhook_attempts');
  const state = db.collection<StateDocument>('webhook_state');
  const stripUndefined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return {
    async insertEndpoint({ id, ...rest }) {
      try {
        await endpoints.insertOne({ _id: id, ...rest });
      } catch (err) {
        if (isDuplicateKey(err)) throw new StoreConflict(`webhook id ${id} is taken`);
        throw err;
      }
    },
    async listEndpoints(host) {
      const docs = await endpoints
        .find(host === undefined ? {} : { host })
        .sort({ createdAt: -1, _id: 1 })
        .toArray();
      return docs.map(endpointRecord);
    },
    async deleteEndpoint(host, id) {
      return (await endpoints.deleteOne({ _id: id, host })).deletedCount === 1;
    },
    async addDeliveries(records) {
      if (records.length === 0) return;
      try {
        await deliveries.insertMany(
          records.map(({ id, ...rest }) => ({ _id: id, ...(stripUndefined(rest) as Omit<DeliveryRecord, 'id'>) })),
          { ordered: false },
        );
      } catch (err) {
        // The same change recorded again (a retried revoke): the first record stands.
        const writeErrors = (err as { writeErrors?: unknown[] | unknown }).writeErrors;
        const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
        const allDuplicates = list.length > 0 && list.every((e) => (e as { code?: number }).code === 11000);
        if (!isDuplicateKey(err) && !allDuplicates) throw err;
      }
    },
    async moveState(ids, from, to) {
      if (ids.length === 0) return;
      const filter = { _id: { $in: [...ids] }, state: from };
      if (to === 'void') await deliveries.deleteMany(filter);
      else await deliveries.updateMany(filter, { $set: { state: to } });
    },
    async finishDelivery({ id, ...rest }) {
      if (rest.state !== 'void') {
        try {
          await history.insertOne({ _id: id, ...(stripUndefined(rest) as Omit<DeliveryRecord, 'id'>) });
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
      }
      await deliveries.deleteOne({ _id: id });
    },
    async updateDelivery(id, change) {
      await deliveries.updateOne({ _id: id }, { $set: stripUndefined(change) });
    },
    async listUnfinished(limit) {
      const docs = await deliveries
        .find({ state: { $in: [...UNFINISHED] } })
        .sort({ at: 1, rank: 1, _id: 1 })
        .limit(limit)
        .toArray();
      return docs.map(fromDoc);
    },
    async listDeliveries(query) {
      const filter: Record<string, unknown> = { host: query.host };
      if (query.endpointId) filter.endpointId = query.endpointId;
      if (query.states) filter.state = { $in: [...query.states] };
      const newest = (c: typeof deliveries) => c.find(filter).sort({ at: -1, rank: -1, _id: 1 }).limit(query.limit).toArray();
      const docs = [...(await newest(deliveries)), ...(await newest(history))];
      docs.sort((a, b) => b.at.getTime() - a.at.getTime() || b.rank - a.rank || (a._id < b._id ? -1 : 1));
      return docs.slice(0, query.limit).map(fromDoc);
    },
    async claimAttempt({ id, ...rest }) {
      try {
        await attempts.insertOne({ _id: id, ...rest });
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },
    async findAttempt(id) {
      const doc = await attempts.findOne({ _id: id });
      return doc ? fromDoc(doc) : undefined;
    },
    async prune(before) {
      await history.deleteMany({ finishedAt: { $lt: before } });
      await attempts.deleteMany({ at: { $lt: before } });
    },
    async expiryScannedUntil(host) {
      return (await state.findOne({ _id: `expiry:${host}` }))?.until;
    },
    async setExpiryScannedUntil(host, until) {
      await state.updateOne({ _id: `expiry:${host}` }, { $set: { until } }, { upsert: true });
    },
  };
}
