import type { AttemptClaim, DeliveryRecord, DeliveryState, WebhookEndpointRecord } from '../domain/webhook.js';

/** What the deliveries listing asks for. */
export interface DeliveryQuery {
  host: string;
  endpointId?: string;
  states?: readonly DeliveryState[];
  limit: number;
}

/**
 * Webhook endpoints, the outbox of deliveries and the claims of delivery attempts. Nothing here
 * relies on a conditional update being atomic: whatever must happen once is claimed by an insert.
 * The outbox holds only unfinished deliveries (the dispatcher reads it every second, and the
 * embedded engine scans what it reads); finished ones move to a history kept for the listing.
 */
export interface WebhookStore {
  /** Throws StoreConflict when the id is taken. */
  insertEndpoint(endpoint: WebhookEndpointRecord): Promise<void>;
  /** Newest first; every host's when `host` is undefined. */
  listEndpoints(host?: string): Promise<WebhookEndpointRecord[]>;
  /** False when the host has no endpoint with that id. */
  deleteEndpoint(host: string, id: string): Promise<boolean>;
  /** Inserts the deliveries; one whose id exists already is left as it is (a retried change). */
  addDeliveries(deliveries: readonly DeliveryRecord[]): Promise<void>;
  /**
   * Sets the state of those of `ids` that are in state `from` (not atomic on every engine: see
   * docs/webhooks.md); to `void` removes them from the outbox.
   */
  moveState(ids: readonly string[], from: DeliveryState, to: DeliveryState): Promise<void>;
  /**
   * Moves a finished delivery (delivered or failed) from the outbox to the history; a void one is
   * only removed. History first: a crash in between leaves it unfinished (sent again: at least once).
   */
  finishDelivery(record: DeliveryRecord): Promise<void>;
  updateDelivery(id: string, change: Partial<Omit<DeliveryRecord, 'id'>>): Promise<void>;
  /** Deliveries in state intent or pending, in delivery order (at, rank, id), at most `limit`. */
  listUnfinished(limit: number): Promise<DeliveryRecord[]>;
  /** Newest event first. */
  listDeliveries(query: DeliveryQuery): Promise<DeliveryRecord[]>;
  /** True when this call inserted the claim; false when the attempt was claimed already. */
  claimAttempt(claim: AttemptClaim): Promise<boolean>;
  findAttempt(id: string): Promise<AttemptClaim | undefined>;
  /** Removes history finished before `before`, and attempt claims made before it. */
  prune(before: Date): Promise<void>;
  /** Up to when the invites of `host` were looked at for `invite.expired` events. */
  expiryScannedUntil(host: string): Promise<Date | undefined>;
  setExpiryScannedUntil(host: string, until: Date): Promise<void>;
}
