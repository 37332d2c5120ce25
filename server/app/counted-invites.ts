import type { Counter } from 'prom-client';
import type { InviteService, Redeemed } from '../service/invite-service.js';

export interface InviteCounters {
  created: Counter<'host'>;
  redeemed: Counter<'host'>;
}

/**
 * The invite services with their outcomes counted in one place, whichever transport called
 * them: every durably created invite (the RPC and GET /invites_api alike) and every use
 * redeemed, at once (RedeemInvite) or held then confirmed (ConfirmInvite); a retried
 * redemption or confirm takes no use and is not counted.
 */
export function countedInvites<S extends { invites: InviteService }>(services: S, counters: InviteCounters): S {
  const { invites } = services;
  const countRedeemed = (result: Redeemed): Redeemed => {
    if (!result.replayed) counters.redeemed.inc({ host: result.invite.host });
    return result;
  };
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
        return countRedeemed(await invites.redeemInvite(credential, token, account));
      },
      async confirmInvite(credential, token, holdId) {
        return countRedeemed(await invites.confirmInvite(credential, token, holdId));
      },
    },
  };
}
