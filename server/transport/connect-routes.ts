import type { ConnectRouter, Interceptor } from '@connectrpc/connect';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import type { AdminAuthenticator } from '../service/admin-authenticator.js';
import type { InviteService as InviteDomainService } from '../service/invite-service.js';
import type { KeyAdminService } from '../service/key-admin-service.js';
import { credentialFromHeader } from './bearer-credential.js';
import { toConnectError } from './error-codes.js';
import { apiKeyMessage, inviteMessage } from './proto-mapping.js';
import { noteKeyId } from './request-facts.js';

export interface RouteServices {
  invites: InviteDomainService;
  keyAdmin: KeyAdminService;
  adminAuthenticator: AdminAuthenticator;
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
      async createInvite(_req, ctx) {
        const invite = await services.invites.createInvite(credentialFromHeader(ctx.requestHeader.get('authorization')));
        noteKeyId(ctx.values, invite.keyId);
        return { invite: inviteMessage(invite) };
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
