import type { ConnectRouter, Interceptor } from '@connectrpc/connect';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import type { AdminAuthenticator } from '../service/admin-authenticator.js';
import type { InviteLifecycleService } from '../service/invite-lifecycle-service.js';
import type { InviteService as InviteDomainService } from '../service/invite-service.js';
import type { KeyAdminService } from '../service/key-admin-service.js';
import { credentialFromHeader } from './bearer-credential.js';
import { toConnectError } from './error-codes.js';
import { apiKeyMessage, inviteMessage, publicInviteMessage, redemptionMessage, statusFromMessage } from './proto-mapping.js';
import { noteKeyId } from './request-facts.js';

export interface RouteServices {
  invites: InviteDomainService;
  keyAdmin: KeyAdminService;
  adminAuthenticator: AdminAuthenticator;
  inviteLifecycle: InviteLifecycleService;
}

/** Maps every error a handler throws through the one error vocabulary. */
export function errorMappingInterceptor(onUnexpected: (err: unknown) => void): Interceptor {
  return (next) => async (req) => {
    try {
      return await next(req);
    } catch (err) {
      throw toConnectError(err, onUnexpected);
    }
  };
}

export function connectRoutes(services: RouteServices) {
  const requireAdmin = (headers: Headers) => services.adminAuthenticator.authenticate(credentialFromHeader(headers.get('authorization')));
  return (router: ConnectRouter) => {
    router.service(InviteService, {
      async createInvite(req, ctx) {
        const invite = await services.invites.createInvite(credentialFromHeader(ctx.requestHeader.get('authorization')), req);
        noteKeyId(ctx.values, invite.keyId);
        return { invite: inviteMessage(invite) };
      },
      async getInvite(req) {
        return { invite: publicInviteMessage(await services.inviteLifecycle.getInvite(req.token)) };
      },
      async listInvites(req, ctx) {
        const { invites, nextPageToken } = await services.inviteLifecycle.listInvites(credentialFromHeader(ctx.requestHeader.get('authorization')), {
          host: req.host,
          status: statusFromMessage(req.status),
          pageSize: req.pageSize,
          pageToken: req.pageToken,
        });
        return { invites: invites.map(inviteMessage), nextPageToken };
      },
      async revokeInvite(req, ctx) {
        const invite = await services.inviteLifecycle.revokeInvite(credentialFromHeader(ctx.requestHeader.get('authorization')), req.token, req.host);
        return { invite: inviteMessage(invite) };
      },
      async redeemInvite(req, ctx) {
        const { invite, redemption } = await services.inviteLifecycle.redeemInvite(credentialFromHeader(ctx.requestHeader.get('authorization')), req.token, req.account);
        return { invite: inviteMessage(invite), redemption: redemptionMessage(redemption) };
      },
    });
    router.service(KeyAdmin, {
      async createKey(req, ctx) {
        requireAdmin(ctx.requestHeader);
        const { key, fullKey } = await services.keyAdmin.createKey(req.host, req.name);
        return { key: apiKeyMessage(key), fullKey };
      },
      async listKeys(req, ctx) {
        requireAdmin(ctx.requestHeader);
        const keys = await services.keyAdmin.listKeys(req.host);
        return { keys: keys.map(apiKeyMessage) };
      },
      async deleteKey(req, ctx) {
        requireAdmin(ctx.requestHeader);
        await services.keyAdmin.deleteKey(req.host, req.id);
        return {};
      },
    });
  };
}
