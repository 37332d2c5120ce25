/**
 * The webhook outbox writer: every change that has webhook events passes here. An event is
 * written durably BEFORE its change (state `intent`), for each endpoint of the host that wants
 * it, and confirmed (`pending`) once the change is made; the dispatcher resolves an intent left
 * unconfirmed by a crash against the database (webhook-intents.ts). See docs/webhooks.md.
 */
import { createHash } from 'node:crypto';
import type { InviteRecord } from '../domain/invite.js';
import {
  isLastingChange,
  WEBHOOK_EVENT_TYPES,
  type DeliveryRecord,
  type WebhookEndpointRecord,
  type WebhookEventType,
} from '../domain/webhook.js';
import type { WebhookStore } from '../store/webhook-store.js';

/** A change's event, before it is fanned out to endpoints. */
export interface ChangeEvent {
  type: WebhookEventType;
  host: string;
  /** Deterministic: the same change always gives the same id. */
  eventId: string;
  at: Date;
  subject: string;
  data: Record<string, string | number | boolean>;
}

/** An event written before its change: say whether the change was made. */
export interface PendingEvent {
  made(): Promise<void>;
  /** The change was not made (e.g. another request took the use): nothing is sent. */
  notMade(): Promise<void>;
}

export interface ChangeEvents {
  /** Writes the events (state intent) before their change, in one write; nothing when no endpoint of the host wants them. */
  before(...events: ChangeEvent[]): Promise<PendingEvent>;
  /** Writes an event whose change is already durable (time passing; a state derived from others). */
  record(event: ChangeEvent): Promise<void>;
  /** Endpoints of `host` wanting `type`. */
  endpointsFor(host: string, type: WebhookEventType): Promise<WebhookEndpointRecord[]>;
  /** Forgets the cached endpoints (after a registration or deletion here). */
  invalidate(): void;
  /** Called once a change's events are pending (the local dispatcher starts at once). */
  onPending?: () => void;
}

/** How long the endpoint list is reused: an endpoint registered on another instance gets events within this. */
export const ENDPOINT_CACHE_MS = 1000;

/** `msg_` + 27 characters derived from the event id: no token in headers, the same on every attempt. */
export const messageIdOf = (eventId: string) => `msg_${createHash('sha256').update(eventId).digest('base64url').slice(0, 27)}`;

const NOTHING: PendingEvent = { made: async () => {}, notMade: async () => {} };

export function createChangeEvents(deps: { store: WebhookStore; now: () => Date }): ChangeEvents {
  let cache: { at: number; endpoints: Promise<WebhookEndpointRecord[]> } | undefined;
  const all = () => {
    if (!cache || Date.now() - cache.at >= ENDPOINT_CACHE_MS) {
      const endpoints = deps.store.listEndpoints();
      cache = { at: Date.now(), endpoints };
      endpoints.catch(() => (cache = undefined));
    }
    return cache.endpoints;
  };
  const endpointsFor = async (host: string, type: WebhookEventType) =>
    (await all()).filter((e) => e.host === host && (e.events.length === 0 || e.events.includes(type)));
  /** The endpoints an event is written for; `silent` ones only want what is derived from it. */
  const targetsOf = async (event: ChangeEvent) => {
    const wanting = (await endpointsFor(event.host, event.type)).map((endpoint) => ({ endpoint, silent: false }));
    if (event.type !== 'invite.redeemed') return wanting;
    const usedUpOnly = (await endpointsFor(event.host, 'invite.used_up')).filter((e) => !wanting.some((w) => w.endpoint.id === e.id));
    return [...wanting, ...usedUpOnly.map((endpoint) => ({ endpoint, silent: true }))];
  };
  const deliveriesOf = async (event: ChangeEvent, state: 'intent' | 'pending'): Promise<DeliveryRecord[]> => {
    const recordedAt = deps.now();
    return (await targetsOf(event)).map(({ endpoint, silent }) => ({
      id: `${event.eventId}|${endpoint.id}`,
      eventId: event.eventId,
      messageId: messageIdOf(event.eventId),
      endpointId: endpoint.id,
      host: event.host,
      type: event.type,
      at: event.at,
      rank: WEBHOOK_EVENT_TYPES.indexOf(event.type),
      subject: event.subject,
      data: event.data,
      state,
      ...(silent ? { silent } : {}),
      recordedAt,
      attempts: 0,
      nextAttemptAt: recordedAt,
    }));
  };
  const events: ChangeEvents = {
    async before(...changes) {
      const deliveries = (await Promise.all(changes.map((event) => deliveriesOf(event, 'intent')))).flat();
      if (deliveries.length === 0) return NOTHING;
      await deps.store.addDeliveries(deliveries);
      const ids = deliveries.filter((d) => !isLastingChange(d.type)).map((d) => d.id);
      return {
        made: async () => {
          // A lasting change needs no confirmation write on the request's path: the dispatcher looks.
          if (ids.length > 0) await deps.store.moveState(ids, 'intent', 'pending');
          events.onPending?.();
        },
        notMade: () =>
          deps.store.moveState(
            deliveries.map((d) => d.id),
            'intent',
            'void',
          ),
      };
    },
    async record(event) {
      await deps.store.addDeliveries(await deliveriesOf(event, 'pending'));
    },
    endpointsFor,
    invalidate: () => (cache = undefined),
  };
  return events;
}

/** Runs `change` between writing its events and confirming them; an error leaves the intents to be resolved. */
export async function withEvent<T>(
  events: ChangeEvents | undefined,
  event: ChangeEvent | ChangeEvent[],
  change: () => Promise<T>,
  wasMade: (result: T) => boolean = () => true,
): Promise<T> {
  const pending = events ? await events.before(...[event].flat()) : NOTHING;
  const result = await change();
  await (wasMade(result) ? pending.made() : pending.notMade());
  return result;
}

// The events, each with its deterministic id and its data.

type InviteFacts = Pick<InviteRecord, 'token' | 'host' | 'maxUses' | 'keyId'>;

const inviteEvent = (type: WebhookEventType, invite: InviteFacts, idSuffix: string, at: Date, data: ChangeEvent['data']): ChangeEvent => ({
  type,
  host: invite.host,
  eventId: `${type}:${invite.token}${idSuffix}`,
  at,
  subject: `invite:${invite.token}`,
  data: { token: invite.token, maxUses: invite.maxUses, ...(invite.keyId ? { keyId: invite.keyId } : {}), ...data },
});

export const inviteCreated = (invite: InviteRecord, actor: string) =>
  inviteEvent('invite.created', invite, '', invite.createdAt, { kind: invite.kind, expiresAt: invite.expiresAt.toISOString(), actor });

/** Use `use` taken for `account` at `at` (the id holds all three: a lost race's intent never matches the winner's). */
export const inviteRedeemed = (invite: InviteFacts, use: number, account: string, at: Date, actor: string) =>
  inviteEvent(
    'invite.redeemed',
    invite,
    `:${use}:${at.getTime()}:${createHash('sha256').update(account).digest('base64url').slice(0, 16)}`,
    at,
    { use, account, actor },
  );

export const inviteUsedUp = (invite: InviteFacts, at: Date) => inviteEvent('invite.used_up', invite, '', at, {});

export const inviteRevoked = (invite: InviteFacts, at: Date, actor: string) => inviteEvent('invite.revoked', invite, '', at, { actor });

export const inviteExpired = (invite: InviteFacts & Pick<InviteRecord, 'expiresAt'>) =>
  inviteEvent('invite.expired', invite, '', invite.expiresAt, {});

/** After a use was taken: `invite.used_up` when every use is now redeemed. */
export async function recordIfUsedUp(
  events: ChangeEvents | undefined,
  invite: InviteFacts,
  redemptions: readonly { redeemedAt: Date }[],
): Promise<void> {
  if (!events || redemptions.length < invite.maxUses) return;
  const at = new Date(Math.max(...redemptions.map((r) => r.redeemedAt.getTime())));
  await events.record(inviteUsedUp(invite, at));
}

export type KeyEventType = 'key.created' | 'key.disabled' | 'key.enabled' | 'key.rotated' | 'key.deleted';

export const keyEvent = (type: KeyEventType, key: { host: string; id: string }, at: Date, actor: string): ChangeEvent => ({
  type,
  host: key.host,
  // created and deleted happen once per key; the others may happen again, at another time.
  eventId: type === 'key.created' || type === 'key.deleted' ? `${type}:${key.id}` : `${type}:${key.id}:${at.getTime()}`,
  at,
  subject: `key:${key.id}`,
  data: { keyId: key.id, actor },
});
