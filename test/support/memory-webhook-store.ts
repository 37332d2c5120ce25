import type { AttemptClaim, DeliveryRecord } from '../../server/domain/webhook.js';
import type { WebhookEndpointRecord } from '../../server/domain/webhook.js';
import { StoreConflict } from '../../server/store/store.js';
import type { WebhookStore } from '../../server/store/webhook-store.js';

/** The WebhookStore in process memory, for service tests (same contract as the Mongo one). */
export function memoryWebhookStore(): WebhookStore {
  const endpoints = new Map<string, WebhookEndpointRecord>();
  const deliveries = new Map<string, DeliveryRecord>();
  const history = new Map<string, DeliveryRecord>();
  const attempts = new Map<string, AttemptClaim>();
  const scanned = new Map<string, Date>();
  const copy = <T extends object>(v: T): T => structuredClone(v);
  const inOrder = (a: DeliveryRecord, b: DeliveryRecord) =>
    a.at.getTime() - b.at.getTime() || a.rank - b.rank || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return {
    async insertEndpoint(endpoint) {
      if (endpoints.has(endpoint.id)) throw new StoreConflict(`webhook id ${endpoint.id} is taken`);
      endpoints.set(endpoint.id, copy(endpoint));
    },
    async listEndpoints(host) {
      return [...endpoints.values()]
        .filter((e) => host === undefined || e.host === host)
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
        .map(copy);
    },
    async deleteEndpoint(host, id) {
      if (endpoints.get(id)?.host !== host) return false;
      return endpoints.delete(id);
    },
    async addDeliveries(records) {
      for (const r of records) if (!deliveries.has(r.id)) deliveries.set(r.id, copy(r));
    },
    async moveState(ids, from, to) {
      for (const id of ids) {
        const d = deliveries.get(id);
        if (d?.state !== from) continue;
        if (to === 'void') deliveries.delete(id);
        else d.state = to;
      }
    },
    async finishDelivery(record) {
      if (record.state !== 'void' && !history.has(record.id)) history.set(record.id, copy(record));
      deliveries.delete(record.id);
    },
    async updateDelivery(id, change) {
      const d = deliveries.get(id);
      if (d) Object.assign(d, copy(Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined))));
    },
    async listUnfinished(limit) {
      return [...deliveries.values()]
        .filter((d) => d.state === 'intent' || d.state === 'pending')
        .sort(inOrder)
        .slice(0, limit)
        .map(copy);
    },
    async listDeliveries(q) {
      return [...deliveries.values(), ...history.values()]
        .filter((d) => d.host === q.host && (!q.endpointId || d.endpointId === q.endpointId) && (!q.states || q.states.includes(d.state)))
        .sort((a, b) => inOrder(b, a))
        .slice(0, q.limit)
        .map(copy);
    },
    async claimAttempt(claim) {
      if (attempts.has(claim.id)) return false;
      attempts.set(claim.id, copy(claim));
      return true;
    },
    async findAttempt(id) {
      const a = attempts.get(id);
      return a && copy(a);
    },
    async prune(before) {
      for (const [id, d] of history) if (d.finishedAt && d.finishedAt < before) history.delete(id);
      for (const [id, a] of attempts) if (a.at < before) attempts.delete(id);
    },
    async expiryScannedUntil(host) {
      return scanned.get(host);
    },
    async setExpiryScannedUntil(host, until) {
      scanned.set(host, until);
    },
  };
}
