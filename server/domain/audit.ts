/** The audit trail's entries. */

export type AuditAction =
  | 'key_created'
  | 'key_deleted'
  | 'key_disabled'
  | 'key_enabled'
  | 'key_rotated'
  | 'key_updated'
  | 'invite_created'
  | 'invite_revoked'
  | 'invite_redeemed'
  | 'invite_updated'
  | 'webhook_created'
  | 'webhook_deleted'
  | 'webhook_delivery_failed';

/** Something done to a key or an invite. Never holds a key's secret or the admin token. */
export interface AuditRecord {
  at: Date;
  action: AuditAction;
  /** `admin` or `key:ID`. */
  actor: string;
  host: string;
  keyId: string | undefined;
  inviteToken: string | undefined;
  /** The webhook endpoint, for webhook events. */
  webhookId?: string | undefined;
}
