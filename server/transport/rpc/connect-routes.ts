import type { ConnectRouter, HandlerContext } from '@connectrpc/connect';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  InviteService,
  type ConfirmInviteRequest,
  type HoldInviteRequest,
  type ReleaseInviteRequest,
} from '../../../gen/invites/v1/invite_service_pb.js';
import { InviteType } from '../../../gen/invites/v1/invite_pb.js';
import { KeyAdmin } from '../../../gen/invites/v1/key_admin_pb.js';
import type { AuditService } from '../../service/audit-service.js';
import type { InviteService as InviteOperations } from '../../service/invite-service.js';
import type { KeyAdminService } from '../../service/key-admin-service.js';
import type { WebhookAdminService } from '../../service/webhook-admin-service.js';
import { deliveryMessage, deliveryStateFromMessage, webhookMessage } from '../webhook-mapping.js';
import { CREDENTIAL_ACCEPTED, credentialFromHeader } from '../bearer-credential.js';
import { CLIENT_ADDRESS } from '../client-address.js';
import {
  apiKeyMessage,
  auditEventMessage,
  inviteMessage,
  kindFromMessage,
  publicInviteMessage,
  redemptionMessage,
  statusFromMessage,
} from '../proto-mapping.js';
import { noteKeyId } from '../request-facts.js';

export interface RouteServices {
  invites: InviteOperations;
  keyAdmin: KeyAdminService;
  audit: AuditService;
  webhooks: WebhookAdminService;
}

/** The credential an RPC presents; the services decide what it may do. */
const credentialOf = (ctx: HandlerContext) =>
  credentialFromHeader(ctx.requestHeader.get('authorization'), ctx.values.get(CREDENTIAL_ACCEPTED));

function inviteServiceRoutes(router: ConnectRouter, services: RouteServices) {
  router.service(InviteService, {
    async createInvite(req, ctx) {
      const invite = await services.invites.createInvite(credentialOf(ctx), { ...req, kind: kindFromMessage(req.type) });
      noteKeyId(ctx.values, invite.keyId);
      return { invite: inviteMessage(invite) };
    },
    async getInvite(req, ctx) {
      const client = { address: ctx.values.get(CLIENT_ADDRESS) };
      const invite = publicInviteMessage(await services.invites.getInvite(req.token, client, credentialOf(ctx)));
      const detail = await services.invites.inviteDetail(credentialOf(ctx), req.token);
      return { invite, detail: detail && inviteMessage(detail) };
    },
    async listInvites(req, ctx) {
      const { invites, nextPageToken } = await services.invites.listInvites(credentialOf(ctx), {
        host: req.host,
        status: statusFromMessage(req.status),
        pageSize: req.pageSize,
        pageToken: req.pageToken,
        inviter: req.inviter,
      });
      return { invites: invites.map(inviteMessage), nextPageToken };
    },
    async revokeInvite(req, ctx) {
      const invite = await services.invites.revokeInvite(credentialOf(ctx), req.token, req.host);
      return { invite: inviteMessage(invite) };
    },
    async redeemInvite(req, ctx) {
      const { invite, redemption } = await services.invites.redeemInvite(credentialOf(ctx), req.token, req.account);
      return { invite: inviteMessage(invite), redemption: redemptionMessage(redemption) };
    },
    ...holdRoutes(services),
    async updateInvite(req, ctx) {
      const invite = await services.invites.updateInvite(credentialOf(ctx), {
        token: req.token,
        host: req.host,
        ttlSeconds: req.ttlSeconds,
        maxUses: req.maxUses,
        note: req.note,
        roles: req.roles?.values,
        groups: req.groups?.values,
      });
      noteKeyId(ctx.values, invite.keyId);
      return { invite: inviteMessage(invite) };
    },
    async createInvites(req, ctx) {
      const invites = await services.invites.createInvites(credentialOf(ctx), req.count, {
        ...req.options,
        kind: kindFromMessage(req.options?.type ?? InviteType.UNSPECIFIED),
      });
      noteKeyId(ctx.values, invites[0]?.keyId);
      return { invites: invites.map(inviteMessage) };
    },
  });
}

/** HoldInvite, ConfirmInvite and ReleaseInvite: the two-phase use of an invite. */
function holdRoutes(services: RouteServices) {
  return {
    async holdInvite(req: HoldInviteRequest, ctx: HandlerContext) {
      const hold = await services.invites.holdInvite(credentialOf(ctx), req.token, req.account);
      return { invite: inviteMessage(hold.invite), holdId: hold.holdId, holdExpireTime: timestampFromDate(hold.heldUntil), use: hold.use };
    },
    async confirmInvite(req: ConfirmInviteRequest, ctx: HandlerContext) {
      const { invite, redemption } = await services.invites.confirmInvite(credentialOf(ctx), req.token, req.holdId);
      return { invite: inviteMessage(invite), redemption: redemptionMessage(redemption) };
    },
    async releaseInvite(req: ReleaseInviteRequest, ctx: HandlerContext) {
      await services.invites.releaseInvite(credentialOf(ctx), req.token, req.holdId);
      return {};
    },
  };
}

function keyAdminRoutes(router: ConnectRouter, services: RouteServices) {
  router.service(KeyAdmin, {
    async createKey(req, ctx) {
      const { key, fullKey } = await services.keyAdmin.createKey(credentialOf(ctx), req.host, req.name, {
        expiresInSeconds: req.expiresIn ? Number(req.expiresIn.seconds) + req.expiresIn.nanos / 1e9 : undefined,
        rateLimitPerMinute: req.rateLimitPerMinute,
        maxValidInvites: req.maxValidInvites,
        maxUsesCeiling: req.maxUsesCeiling,
        maxTtlSeconds: req.maxTtlSeconds,
      });
      return { key: apiKeyMessage(key), fullKey };
    },
    async listKeys(req, ctx) {
      const keys = await services.keyAdmin.listKeys(credentialOf(ctx), req.host);
      return { keys: keys.map(apiKeyMessage) };
    },
    async deleteKey(req, ctx) {
      await services.keyAdmin.deleteKey(credentialOf(ctx), req.host, req.id);
      return {};
    },
    async disableKey(req, ctx) {
      return { key: apiKeyMessage(await services.keyAdmin.disableKey(credentialOf(ctx), req.host, req.id)) };
    },
    async enableKey(req, ctx) {
      return { key: apiKeyMessage(await services.keyAdmin.enableKey(credentialOf(ctx), req.host, req.id)) };
    },
    async rotateKey(req, ctx) {
      const { key, fullKey } = await services.keyAdmin.rotateKey(credentialOf(ctx), req.host, req.id);
      return { key: apiKeyMessage(key), fullKey };
    },
    async updateKey(req, ctx) {
      const key = await services.keyAdmin.updateKey(credentialOf(ctx), req.host, req.id, {
        rateLimitPerMinute: req.rateLimitPerMinute,
        maxValidInvites: req.maxValidInvites,
        maxUsesCeiling: req.maxUsesCeiling,
        maxTtlSeconds: req.maxTtlSeconds,
      });
      return { key: apiKeyMessage(key) };
    },
    async listAudit(req, ctx) {
      const { events, truncated } = await services.audit.listAudit(credentialOf(ctx), {
        host: req.host,
        since: req.since ? timestampDate(req.since) : undefined,
        pageSize: req.pageSize,
      });
      return { events: events.map(auditEventMessage), truncated };
    },
    async createWebhook(req, ctx) {
      const { webhook, secret } = await services.webhooks.createWebhook(credentialOf(ctx), req);
      return { webhook: webhookMessage(webhook), secret };
    },
    async listWebhooks(req, ctx) {
      return { webhooks: (await services.webhooks.listWebhooks(credentialOf(ctx), req.host)).map(webhookMessage) };
    },
    async deleteWebhook(req, ctx) {
      await services.webhooks.deleteWebhook(credentialOf(ctx), req.host, req.id);
      return {};
    },
    async listWebhookDeliveries(req, ctx) {
      const { deliveries, truncated } = await services.webhooks.listDeliveries(credentialOf(ctx), {
        host: req.host,
        webhookId: req.webhookId,
        state: deliveryStateFromMessage(req.state),
        pageSize: req.pageSize,
      });
      return { deliveries: deliveries.map(deliveryMessage), truncated };
    },
  });
}

export function connectRoutes(services: RouteServices) {
  return (router: ConnectRouter) => {
    inviteServiceRoutes(router, services);
    keyAdminRoutes(router, services);
  };
}
