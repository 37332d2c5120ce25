import type { Counter } from 'prom-client';
import type { InviteService } from '../service/invite-service.js';

/** The invite service with every durably created invite counted (the RPC and GET /invites_api alike). */
export function countedInvites<S extends InviteService>(service: S, created: Counter<'host'>): S {
  return {
    ...service,
    async createInvite(credential, request) {
      const invite = await service.createInvite(credential, request);
      created.inc({ host: invite.host });
      return invite;
    },
  };
}
