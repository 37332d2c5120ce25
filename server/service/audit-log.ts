import type { AuditAction, AuditRecord } from '../domain/audit.js';
import type { InviteRecord } from '../domain/invite.js';
import type { AuditStore } from '../store/store.js';
import type { Caller } from './caller-authenticator.js';

/** What a service reports to the audit trail; the time is added when it is not given. */
export interface AuditEvent {
  action: AuditAction;
  /** `admin`, or `key:ID` for an API key. */
  actor: string;
  host: string;
  keyId?: string;
  inviteToken?: string;
  webhookId?: string;
  at?: Date;
}

/** The audit trail services write to (key changes; invite revocations and redemptions). */
export interface AuditLog {
  /** Resolves once the event is stored. */
  record(event: AuditEvent): Promise<void>;
}

export const ADMIN_ACTOR = 'admin';
export const keyActor = (keyId: string) => `key:${keyId}`;
export const callerActor = (caller: Caller) => (caller.kind === 'admin' ? ADMIN_ACTOR : keyActor(caller.key.id));

export function createAuditLog(deps: { store: Pick<AuditStore, 'insert'>; now: () => Date }): AuditLog {
  return {
    async record(event) {
      const record: AuditRecord = {
        at: event.at ?? deps.now(),
        action: event.action,
        actor: event.actor,
        host: event.host,
        keyId: event.keyId,
        inviteToken: event.inviteToken,
        ...(event.webhookId ? { webhookId: event.webhookId } : {}),
      };
      await deps.store.insert(record);
    },
  };
}

/** Records that `caller` took a use of `invite` at `at` (a redemption, or a confirmed hold). */
export function recordRedeemed(
  audit: AuditLog | undefined,
  caller: Caller,
  invite: Pick<InviteRecord, 'token' | 'host' | 'keyId'>,
  at: Date,
) {
  return audit?.record({
    action: 'invite_redeemed',
    actor: callerActor(caller),
    host: invite.host,
    keyId: invite.keyId,
    inviteToken: invite.token,
    at,
  });
}
