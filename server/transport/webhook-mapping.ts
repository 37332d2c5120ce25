import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  WebhookDeliverySchema,
  WebhookDeliveryState,
  WebhookSchema,
  type Webhook,
  type WebhookDelivery,
} from '../../gen/invites/v1/webhooks_pb.js';
import type { DeliveryRecord } from '../domain/webhook.js';
import type { DeliveryQuery, WebhookEndpoint } from '../service/webhook-admin-service.js';

export function webhookMessage(w: WebhookEndpoint): Webhook {
  return create(WebhookSchema, {
    id: w.id,
    host: w.host,
    url: w.url,
    events: w.events,
    description: w.description,
    createTime: timestampFromDate(w.createdAt),
  });
}

const STATE_OF: Record<DeliveryRecord['state'], WebhookDeliveryState> = {
  intent: WebhookDeliveryState.PENDING,
  pending: WebhookDeliveryState.PENDING,
  delivered: WebhookDeliveryState.DELIVERED,
  failed: WebhookDeliveryState.FAILED,
  void: WebhookDeliveryState.UNSPECIFIED,
};

export function deliveryStateFromMessage(state: WebhookDeliveryState): DeliveryQuery['state'] {
  if (state === WebhookDeliveryState.PENDING) return 'pending';
  if (state === WebhookDeliveryState.DELIVERED) return 'delivered';
  if (state === WebhookDeliveryState.FAILED) return 'failed';
  return undefined;
}

export function deliveryMessage(d: DeliveryRecord): WebhookDelivery {
  const unfinished = d.state === 'intent' || d.state === 'pending';
  return create(WebhookDeliverySchema, {
    messageId: d.messageId,
    webhookId: d.endpointId,
    eventType: d.type,
    eventTime: timestampFromDate(d.at),
    state: STATE_OF[d.state],
    attempts: d.attempts,
    nextAttemptTime: unfinished ? timestampFromDate(d.nextAttemptAt) : undefined,
    lastError: d.lastError ?? '',
    lastStatus: d.lastStatus ?? 0,
    finishTime: d.finishedAt && !unfinished ? timestampFromDate(d.finishedAt) : undefined,
    subject: d.subject,
  });
}
