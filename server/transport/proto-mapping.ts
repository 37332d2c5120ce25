import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { AuditAction, AuditEventSchema, type AuditEvent } from '../../gen/invites/v1/audit_pb.js';
import { InviteSchema, InviteType, type Invite as InviteMessage } from '../../gen/invites/v1/invite_pb.js';
import { ApiKeySchema, type ApiKey } from '../../gen/invites/v1/key_admin_pb.js';
import type { Invite } from '../service/invite-service.js';
import type { KeyDescription } from '../service/key-admin-service.js';
import type { AuditRecord } from '../store/store.js';

const TYPE_OF_KIND: Record<Invite['kind'], InviteType> = { register: InviteType.REGISTER };

export function inviteMessage(invite: Invite): InviteMessage {
  return create(InviteSchema, {
    token: invite.token,
    host: invite.host,
    type: TYPE_OF_KIND[invite.kind],
    uri: invite.uri,
    landingPageUrl: invite.landingPageUrl,
    createTime: timestampFromDate(invite.createdAt),
    expireTime: timestampFromDate(invite.expiresAt),
    source: invite.source,
  });
}

export function apiKeyMessage(key: KeyDescription): ApiKey {
  return create(ApiKeySchema, {
    id: key.id,
    host: key.host,
    name: key.name,
    createTime: timestampFromDate(key.createdAt),
    expireTime: key.expiresAt && timestampFromDate(key.expiresAt),
    disabled: key.disabled ?? false,
    rateLimitPerMinute: key.effectiveRateLimitPerMinute,
    lastUseTime: key.lastUsedAt && timestampFromDate(key.lastUsedAt),
    useCount: BigInt(key.useCount),
    rotateTime: key.rotatedAt && timestampFromDate(key.rotatedAt),
  });
}

const ACTION_OF: Record<AuditRecord['action'], AuditAction> = {
  key_created: AuditAction.KEY_CREATED,
  key_deleted: AuditAction.KEY_DELETED,
  key_disabled: AuditAction.KEY_DISABLED,
  key_enabled: AuditAction.KEY_ENABLED,
  key_rotated: AuditAction.KEY_ROTATED,
  invite_created: AuditAction.INVITE_CREATED,
  invite_revoked: AuditAction.INVITE_REVOKED,
  invite_redeemed: AuditAction.INVITE_REDEEMED,
};

export function auditEventMessage(event: AuditRecord): AuditEvent {
  return create(AuditEventSchema, {
    time: timestampFromDate(event.at),
    action: ACTION_OF[event.action],
    actor: event.actor,
    host: event.host,
    keyId: event.keyId ?? '',
    inviteToken: event.inviteToken ?? '',
  });
}
