import type { Counter } from 'prom-client';
import type { InviteService } from '../service/invite-service.js';

export interface InviteCounters {
  created: Counter<'host'>;
  redeemed: Counter<'host'>;
}

/**
 * The invite services with their outcomes counted in one place, whichever transport called
 * them: every durably created invite (the RPC and GET /invites_api alike) and every use
 * redeemed (a retried redemption takes no use and is not counted).
 */
export function countedInvites<S extends { invites: InviteService }>(services: S, counters: InviteCounters): S {
  const { invites } = services;
  return {
    ...services,
    invites: {
      ...invites,
      async createInvite(credential, request) {
        const invite = await invites.createInvite(credential, request);
        counters.created.inc({ host: invite.host });
        return invite;
      },
      async redeemInvite(credential, token, account) {
        const result = await invites.redeemInvite(credential, token, account);
        if (!result.replayed) counters.redeemed.inc({ host: result.invite.host });
        return result;
      },
    },
  };
}
