import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { InviteSchema, InviteType, type Invite as InviteMessage } from '../../gen/invites/v1/invite_pb.js';
import { ApiKeySchema, type ApiKey } from '../../gen/invites/v1/key_admin_pb.js';
import type { Invite } from '../service/invite-service.js';
import type { KeyRecord } from '../store/store.js';

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

export function apiKeyMessage(key: KeyRecord): ApiKey {
  return create(ApiKeySchema, { id: key.id, host: key.host, name: key.name, createTime: timestampFromDate(key.createdAt) });
}
