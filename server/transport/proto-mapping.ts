import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { AuditAction, AuditEventSchema, type AuditEvent } from '../../gen/invites/v1/audit_pb.js';
import {
  InviteSchema,
  InviteStatus,
  InviteType,
  PublicInviteSchema,
  RedemptionSchema,
  type Invite as InviteMessage,
  type PublicInvite as PublicInviteMessage,
  type Redemption,
} from '../../gen/invites/v1/invite_pb.js';
import { ApiKeySchema, type ApiKey } from '../../gen/invites/v1/key_admin_pb.js';
import { DomainError } from '../domain/errors.js';
import type { InviteStatus as DomainInviteStatus } from '../domain/invite-status.js';
import type { Invite } from '../service/invite-service.js';
import type { KeyDescription } from '../service/key-admin-service.js';
import type { PublicInvite } from '../service/invite-view.js';
import type { AuditRecord } from '../domain/audit.js';
import type { RedemptionRecord } from '../domain/invite.js';

const TYPE_OF_KIND: Record<Invite['kind'], InviteType> = {
  register: InviteType.REGISTER,
  roster: InviteType.ROSTER,
  password_reset: InviteType.PASSWORD_RESET,
};

/** The domain kind of a requested type; UNSPECIFIED (the default) is undefined. */
export function kindFromMessage(type: InviteType): Invite['kind'] | undefined {
  if (type === InviteType.UNSPECIFIED) return undefined;
  const kind = (Object.keys(TYPE_OF_KIND) as Array<Invite['kind']>).find((k) => TYPE_OF_KIND[k] === type);
  if (!kind)
    throw new DomainError(
      'invalid_argument',
      `type ${type} is not an invite type: use INVITE_TYPE_REGISTER, INVITE_TYPE_ROSTER or INVITE_TYPE_PASSWORD_RESET`,
    );
  return kind;
}

const STATUS_MESSAGE: Record<DomainInviteStatus, InviteStatus> = {
  valid: InviteStatus.VALID,
  expired: InviteStatus.EXPIRED,
  used_up: InviteStatus.USED_UP,
  revoked: InviteStatus.REVOKED,
};

/** The domain status of a filter; UNSPECIFIED (any) is undefined. */
export function statusFromMessage(status: InviteStatus): DomainInviteStatus | undefined {
  return (Object.keys(STATUS_MESSAGE) as DomainInviteStatus[]).find((s) => STATUS_MESSAGE[s] === status);
}

export function redemptionMessage(r: RedemptionRecord): Redemption {
  return create(RedemptionSchema, { use: r.use, account: r.account, redeemTime: timestampFromDate(r.redeemedAt) });
}

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
    maxUses: invite.maxUses,
    uses: invite.redemptions.length,
    roles: invite.roles,
    groups: invite.groups,
    note: invite.note,
    status: STATUS_MESSAGE[invite.status],
    revokeTime: invite.revokedAt ? timestampFromDate(invite.revokedAt) : undefined,
    redemptions: invite.redemptions.map(redemptionMessage),
    username: invite.username,
    inviter: invite.inviter,
    allowRegistration: invite.allowRegistration,
  });
}

export function publicInviteMessage(invite: PublicInvite): PublicInviteMessage {
  return create(PublicInviteSchema, {
    token: invite.token,
    host: invite.host,
    type: TYPE_OF_KIND[invite.kind],
    uri: invite.uri,
    landingPageUrl: invite.landingPageUrl,
    expireTime: timestampFromDate(invite.expiresAt),
    status: STATUS_MESSAGE[invite.status],
    remainingUses: invite.remainingUses,
    username: invite.username,
    inviter: invite.inviter,
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
    maxValidInvites: key.maxValidInvites ?? 0,
    maxUsesCeiling: key.maxUsesCeiling ?? 0,
    maxTtlSeconds: key.maxTtlSeconds ?? 0,
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
  invite_updated: AuditAction.INVITE_UPDATED,
  key_updated: AuditAction.KEY_UPDATED,
  webhook_created: AuditAction.WEBHOOK_CREATED,
  webhook_deleted: AuditAction.WEBHOOK_DELETED,
  webhook_delivery_failed: AuditAction.WEBHOOK_DELIVERY_FAILED,
};

export function auditEventMessage(event: AuditRecord): AuditEvent {
  return create(AuditEventSchema, {
    time: timestampFromDate(event.at),
    action: ACTION_OF[event.action],
    actor: event.actor,
    host: event.host,
    keyId: event.keyId ?? '',
    inviteToken: event.inviteToken ?? '',
    webhookId: event.webhookId ?? '',
  });
}
