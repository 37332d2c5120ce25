import { timestampDate, WebhookDeliveryState, type Timestamp, type Webhook, type WebhookDelivery } from '../client/index.js';
import { readableUtc, table } from './key-output.js';

const iso = (t: Timestamp | undefined) => (t ? timestampDate(t).toISOString() : null);

/** An endpoint as the --json output shows it. Field names are part of the CLI's interface. */
export interface WebhookJson {
  id: string;
  host: string;
  url: string;
  /** Empty: every event type. */
  events: string[];
  description: string;
  createdAt: string | null;
}

export function webhookJson(w: Webhook): WebhookJson {
  return { id: w.id, host: w.host, url: w.url, events: [...w.events], description: w.description, createdAt: iso(w.createTime) };
}

export function webhooksTable(hooks: readonly WebhookJson[]): string {
  return table([
    ['ID', 'URL', 'EVENTS', 'CREATED', 'DESCRIPTION'],
    ...hooks.map((h) => [h.id, h.url, h.events.length ? h.events.join(',') : 'all', readableUtc(h.createdAt), h.description || '-']),
  ]);
}

/** A delivery as the --json output shows it. */
export interface DeliveryJson {
  /** The `webhook-id` header, the same on every attempt. */
  messageId: string;
  webhookId: string;
  type: string;
  /** `invite:TOKEN` or `key:ID`. */
  subject: string;
  eventTime: string | null;
  /** `pending`, `delivered` or `failed`. */
  state: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  finishedAt: string | null;
}

export function deliveryJson(d: WebhookDelivery): DeliveryJson {
  return {
    messageId: d.messageId,
    webhookId: d.webhookId,
    type: d.eventType,
    subject: d.subject,
    eventTime: iso(d.eventTime),
    state: (WebhookDeliveryState[d.state] ?? 'unknown').toLowerCase(),
    attempts: d.attempts,
    nextAttemptAt: iso(d.nextAttemptTime),
    lastStatus: d.lastStatus || null,
    lastError: d.lastError || null,
    finishedAt: iso(d.finishTime),
  };
}

export function deliveriesTable(deliveries: readonly DeliveryJson[]): string {
  return table([
    ['EVENT TIME', 'TYPE', 'SUBJECT', 'WEBHOOK', 'STATE', 'ATTEMPTS', 'NEXT / FINISHED', 'LAST ERROR'],
    ...deliveries.map((d) => [
      readableUtc(d.eventTime),
      d.type,
      d.subject,
      d.webhookId,
      d.state,
      String(d.attempts),
      readableUtc(d.state === 'pending' ? d.nextAttemptAt : d.finishedAt),
      d.lastError ?? '-',
    ]),
  ]);
}
