/** Webhook endpoints and the deliveries of events to them (see docs/webhooks.md). */

/** The event types, as Standard Webhooks `type` names; the order is the order within one subject at one instant. */
export const WEBHOOK_EVENT_TYPES = [
  'invite.created',
  'invite.redeemed',
  'invite.used_up',
  'invite.revoked',
  'invite.expired',
  'key.created',
  'key.disabled',
  'key.enabled',
  'key.rotated',
  'key.deleted',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * Events whose change stays visible once made (an invite, a redemption, a revocation): the
 * dispatcher confirms them itself by looking, so the request writes no confirmation. A key's
 * state can flip back before anyone looks, so key events are confirmed by the request.
 */
export const isLastingChange = (type: WebhookEventType) => type.startsWith('invite.');

export const isWebhookEventType = (t: string): t is WebhookEventType => (WEBHOOK_EVENT_TYPES as readonly string[]).includes(t);

/** An endpoint as stored. The secret is stored encrypted (see webhook-secret.ts). */
export interface WebhookEndpointRecord {
  id: string;
  host: string;
  url: string;
  /** Empty: every type. */
  events: WebhookEventType[];
  description: string;
  createdAt: Date;
  /** The signing secret, encrypted with a key derived from the admin token. */
  encryptedSecret: string;
}

/**
 * `intent`: written before the change it describes, not yet confirmed made; `pending`: to send;
 * `delivered` / `failed`: finished; `void`: the change was never made (nothing is sent).
 */
export type DeliveryState = 'intent' | 'pending' | 'delivered' | 'failed' | 'void';

/** One event for one endpoint: the outbox entry and its delivery state. */
export interface DeliveryRecord {
  /** `EVENT_ID|ENDPOINT_ID`. */
  id: string;
  /** Deterministic, from the change (e.g. `invite.revoked:TOKEN`): the same change gives the same id. */
  eventId: string;
  /** The `webhook-id` header, derived from eventId: the same on every attempt. */
  messageId: string;
  endpointId: string;
  host: string;
  type: WebhookEventType;
  /** When the change happened; deliveries of one subject go out in (at, rank) order. */
  at: Date;
  rank: number;
  /** `invite:TOKEN` or `key:ID`: what ordering is kept for. */
  subject: string;
  /** The event's `data`, sent as is (plus `host`). */
  data: Record<string, string | number | boolean>;
  state: DeliveryState;
  /**
   * Not sent: a redemption's entry for an endpoint that wants only `invite.used_up`, kept so
   * that used up is derived from it even when the server stopped right after the redemption.
   */
  silent?: boolean;
  /** When the outbox entry was written. */
  recordedAt: Date;
  attempts: number;
  /** Retries stop (failed) a while after this. */
  firstAttemptAt?: Date;
  nextAttemptAt: Date;
  lastError?: string;
  lastStatus?: number;
  finishedAt?: Date;
}

/** Attempt `n` of a delivery, claimed by inserting it: one instance makes each attempt. */
export interface AttemptClaim {
  /** `DELIVERY_ID#N`. */
  id: string;
  instanceId: string;
  at: Date;
  /** After this another instance may take over (the claimant stopped mid-attempt). */
  leaseUntil: Date;
}
