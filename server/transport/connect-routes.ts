import type { ConnectRouter, Interceptor } from '@connectrpc/connect';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import type { AdminAuthenticator } from '../service/admin-authenticator.js';
import type { AuditService } from '../service/audit-service.js';
import type { AuthFailureGuard } from '../service/auth-failure-guard.js';
import type { InviteService as InviteDomainService } from '../service/invite-service.js';
import type { KeyAdminService } from '../service/key-admin-service.js';
import { credentialFromHeader } from './bearer-credential.js';
import { toConnectError } from './error-codes.js';
import { CLIENT_ADDRESS } from './client-address.js';
import { apiKeyMessage, auditEventMessage, inviteMessage, publicInviteMessage, redemptionMessage, statusFromMessage } from './proto-mapping.js';
import { noteKeyId } from './request-facts.js';

export interface RouteServices {
  invites: InviteDomainService;
  keyAdmin: KeyAdminService;
  adminAuthenticator: AdminAuthenticator;
  audit: AuditService;
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

/**
 * Counts refused credentials per client address and refuses an address that has too many,
 * for every RPC (see AuthFailureGuard). Placed after errorMappingInterceptor, so it sees
 * the domain errors.
 */
export function authFailureInterceptor(guard: AuthFailureGuard): Interceptor {
  return (next) => (req) => guard.run({ address: req.contextValues.get(CLIENT_ADDRESS) }, req.header.has('authorization'), () => next(req));
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
        return { invite: publicInviteMessage(await services.invites.getInvite(req.token)) };
      },
      async listInvites(req, ctx) {
        const { invites, nextPageToken } = await services.invites.listInvites(credentialFromHeader(ctx.requestHeader.get('authorization')), {
          host: req.host,
          status: statusFromMessage(req.status),
          pageSize: req.pageSize,
          pageToken: req.pageToken,
        });
        return { invites: invites.map(inviteMessage), nextPageToken };
      },
      async revokeInvite(req, ctx) {
        const invite = await services.invites.revokeInvite(credentialFromHeader(ctx.requestHeader.get('authorization')), req.token, req.host);
        return { invite: inviteMessage(invite) };
      },
      async redeemInvite(req, ctx) {
        const { invite, redemption } = await services.invites.redeemInvite(credentialFromHeader(ctx.requestHeader.get('authorization')), req.token, req.account);
        return { invite: inviteMessage(invite), redemption: redemptionMessage(redemption) };
      },
    });
    router.service(KeyAdmin, {
      async createKey(req, ctx) {
        requireAdmin(ctx.requestHeader);
        const { key, fullKey } = await services.keyAdmin.createKey(req.host, req.name, {
          expiresInSeconds: req.expiresIn ? Number(req.expiresIn.seconds) + req.expiresIn.nanos / 1e9 : undefined,
          rateLimitPerMinute: req.rateLimitPerMinute,
        });
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
      async disableKey(req, ctx) {
        requireAdmin(ctx.requestHeader);
        return { key: apiKeyMessage(await services.keyAdmin.disableKey(req.host, req.id)) };
      },
      async enableKey(req, ctx) {
        requireAdmin(ctx.requestHeader);
        return { key: apiKeyMessage(await services.keyAdmin.enableKey(req.host, req.id)) };
      },
      async rotateKey(req, ctx) {
        requireAdmin(ctx.requestHeader);
        const { key, fullKey } = await services.keyAdmin.rotateKey(req.host, req.id);
        return { key: apiKeyMessage(key), fullKey };
      },
      async listAudit(req, ctx) {
        requireAdmin(ctx.requestHeader);
        const { events, truncated } = await services.audit.listAudit({
          host: req.host,
          since: req.since ? timestampDate(req.since) : undefined,
          pageSize: req.pageSize,
        });
        return { events: events.map(auditEventMessage), truncated };
      },
    });
  };
}
