import { AuditAction, timestampDate, type AuditEvent } from '../client/index.js';
import { readableUtc, table } from './key-output.js';

/** An audit event as the --json output shows it. Field names are part of the CLI's interface. */
export interface AuditEventJson {
  /** ISO 8601, UTC. */
  time: string | null;
  /** e.g. `key_created`, `invite_redeemed`. */
  action: string;
  /** `admin` or `key:ID`. */
  actor: string;
  host: string;
  keyId: string | null;
  inviteToken: string | null;
  /** The webhook endpoint, for webhook events. */
  webhookId: string | null;
}

export function auditEventJson(e: AuditEvent): AuditEventJson {
  return {
    time: e.time ? timestampDate(e.time).toISOString() : null,
    action: (AuditAction[e.action] ?? 'unknown').toLowerCase(),
    actor: e.actor,
    host: e.host,
    keyId: e.keyId || null,
    inviteToken: e.inviteToken || null,
    webhookId: e.webhookId || null,
  };
}

export function auditTable(events: readonly AuditEventJson[]): string {
  // The WEBHOOK column only when a webhook event is listed: the table is unchanged without webhooks.
  const webhooks = events.some((e) => e.webhookId);
  return table([
    ['TIME', 'ACTION', 'ACTOR', 'HOST', 'KEY', 'INVITE', ...(webhooks ? ['WEBHOOK'] : [])],
    ...events.map((e) => [
      readableUtc(e.time),
      e.action,
      e.actor,
      e.host,
      e.keyId ?? '-',
      e.inviteToken ?? '-',
      ...(webhooks ? [e.webhookId ?? '-'] : []),
    ]),
  ]);
}
