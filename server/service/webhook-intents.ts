/**
 * An intent left unconfirmed (the server stopped between writing an event and confirming it) is
 * resolved from the database: was the change it describes made? Each check looks for the exact
 * change (the use number, time and account of a redemption; the rotation time of a key), so an
 * intent of a request that lost a race never passes for the winner's.
 */
import type { DeliveryRecord } from '../domain/webhook.js';
import type { InviteStore, KeyStore } from '../store/store.js';

export type IntentOutcome = 'made' | 'not_made';

export function createIntentResolver(deps: { invites: Pick<InviteStore, 'find' | 'usage'>; keys: Pick<KeyStore, 'findById'> }) {
  const usageOf = async (token: string) => {
    const invite = await deps.invites.find(token);
    if (!invite) return undefined;
    return { invite, usage: (await deps.invites.usage([invite])).get(token) };
  };
  return async function resolveIntent(d: DeliveryRecord): Promise<IntentOutcome> {
    const made = (yes: boolean): IntentOutcome => (yes ? 'made' : 'not_made');
    const token = String(d.data.token ?? '');
    const keyId = String(d.data.keyId ?? '');
    switch (d.type) {
      case 'invite.created':
        return made((await deps.invites.find(token)) !== undefined);
      case 'invite.redeemed': {
        const found = await usageOf(token);
        const r = found?.usage?.redemptions.find((x) => x.use === d.data.use);
        return made(r !== undefined && r.account === d.data.account && r.redeemedAt.getTime() === d.at.getTime());
      }
      case 'invite.revoked':
        return made((await usageOf(token))?.usage?.revokedAt !== undefined);
      case 'key.created':
        return made((await deps.keys.findById(keyId)) !== undefined);
      case 'key.deleted':
        return made((await deps.keys.findById(keyId)) === undefined);
      case 'key.disabled':
      case 'key.enabled': {
        const key = await deps.keys.findById(keyId);
        return made(key !== undefined && (key.disabled ?? false) === (d.type === 'key.disabled'));
      }
      case 'key.rotated':
        return made((await deps.keys.findById(keyId))?.rotatedAt?.getTime() === d.at.getTime());
      default:
        // Events recorded after their change (used up, expired) are never intents.
        return 'made';
    }
  };
}
