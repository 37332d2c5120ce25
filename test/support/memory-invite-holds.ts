import type { HoldRecord, RedemptionRecord } from '../../server/domain/invite.js';
import type { HoldEnd, InviteHoldStore } from '../../server/store/invite-hold-store.js';

/** A use claim in the memory store: a redemption, a use voided by a revocation, one capped by an edit, or a hold. */
export type MemoryClaim = RedemptionRecord | 'void' | 'cap' | { hold: HoldRecord };

export const isHoldClaim = (c: MemoryClaim | undefined): c is { hold: HoldRecord } => typeof c === 'object' && 'hold' in c;
export const isRedemptionClaim = (c: MemoryClaim | undefined): c is RedemptionRecord => typeof c === 'object' && !('hold' in c);

/**
 * Holds over the memory store's use claims (`TOKEN:USE`), with the same contract as the Mongo
 * store's (server/store/mongo-invite-holds.ts). Each method runs without awaiting, so each is atomic here.
 */
export function memoryInviteHolds(claims: Map<string, MemoryClaim>, revocations: ReadonlyMap<string, Date>) {
  /** Per token, per hold id: the hold and how it ended. */
  const ends = new Map<string, Map<string, { hold: HoldRecord; end: HoldEnd }>>();
  const endsOf = (token: string) => {
    let m = ends.get(token);
    if (!m) ends.set(token, (m = new Map()));
    return m;
  };
  const end = (hold: HoldRecord, fate: HoldEnd['fate'], at: Date): HoldEnd => {
    const earlier = endsOf(hold.token).get(hold.holdId);
    if (earlier) return { ...earlier.end };
    endsOf(hold.token).set(hold.holdId, { hold: { ...hold }, end: { fate, at } });
    const id = `${hold.token}:${hold.use}`;
    const claim = claims.get(id);
    if (isHoldClaim(claim) && claim.hold.holdId === hold.holdId) {
      if (fate === 'confirmed') claims.set(id, { token: hold.token, use: hold.use, account: hold.account, redeemedAt: at });
      else if (fate === 'lapsed' || fate === 'released') claims.delete(id);
    }
    return { fate, at };
  };
  const store: InviteHoldStore & {
    endAllForRevocation(token: string, at: Date): void;
    forget(token: string): void;
    running(token: string): HoldRecord[];
  } = {
    async claim(hold) {
      const id = `${hold.token}:${hold.use}`;
      if (claims.has(id)) return 'taken';
      claims.set(id, { hold: { ...hold } });
      if (revocations.has(hold.token)) {
        end(hold, 'revoked', hold.heldAt);
        return 'revoked';
      }
      return 'held';
    },
    async reclaim(token, use, now) {
      const claim = claims.get(`${token}:${use}`);
      if (claim === undefined) return true;
      if (!isHoldClaim(claim) || claim.hold.heldUntil > now) return false;
      return end(claim.hold, 'lapsed', now).fate === 'lapsed' && !claims.has(`${token}:${use}`);
    },
    async find({ token }, holdId) {
      const ended = ends.get(token)?.get(holdId);
      if (ended) return { hold: { ...ended.hold }, end: { ...ended.end } };
      for (const c of claims.values())
        if (isHoldClaim(c) && c.hold.token === token && c.hold.holdId === holdId) return { hold: { ...c.hold }, end: undefined };
      return undefined;
    },
    async end(hold, fate, at) {
      return end(hold, fate, at);
    },
    endAllForRevocation(token, at) {
      for (const c of [...claims.values()]) if (isHoldClaim(c) && c.hold.token === token) end(c.hold, 'revoked', at);
    },
    forget(token) {
      ends.delete(token);
    },
    /** Holds of `token` not ended yet, by use number. */
    running(token) {
      return [...claims.values()]
        .filter(isHoldClaim)
        .map((c) => c.hold)
        .filter((h) => h.token === token && !ends.get(token)?.has(h.holdId))
        .sort((a, b) => a.use - b.use)
        .map((h) => ({ ...h }));
    },
  };
  return store;
}
