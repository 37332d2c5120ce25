/**
 * Two-phase use of an invite: a use is held while the registration side creates the account,
 * then confirmed, released, or left to lapse. Each fate is decided once, by an insert.
 */

import type { HoldRecord, InviteRecord } from '../domain/invite.js';

/** How a hold ended: confirmed (its use became a redemption), or its use given back / voided. */
export type HoldFate = 'confirmed' | 'lapsed' | 'released' | 'revoked';

export interface HoldEnd {
  fate: HoldFate;
  at: Date;
}

/** What claiming a hold came to: the hold is the caller's, the use number is someone else's, or the invite was revoked. */
export type HoldClaim = 'held' | 'taken' | 'revoked';

export interface InviteHoldStore {
  /**
   * Claims use number `hold.use` as a hold (an insert under the unique key of the use, like
   * claimUse): of concurrent claims of one use number exactly one is `held`. A claim made once a
   * revocation has resolved ends itself and answers `revoked`.
   */
  claim(hold: HoldRecord, inviteExpiresAt: Date): Promise<HoldClaim>;
  /**
   * Frees use number `use` when a hold on it lapsed at `now` (or was released but not yet
   * freed): true when the use may be claimed again, false when it is a redemption, a void, or a
   * hold still running.
   */
  reclaim(token: string, use: number, now: Date): Promise<boolean>;
  /** The invite's hold (also once it ended and its use was freed) and how it ended, if it did. */
  find(
    invite: Pick<InviteRecord, 'token' | 'maxUses'>,
    holdId: string,
  ): Promise<{ hold: HoldRecord; end: HoldEnd | undefined } | undefined>;
  /**
   * Decides a hold's fate: the first end inserted for a hold wins, on every engine, and every
   * call answers that winner. Confirmed makes the use a redemption (at the end's time);
   * lapsed and released free the use; revoked leaves it taken. Safe to retry.
   */
  end(hold: HoldRecord, fate: HoldFate, at: Date, inviteExpiresAt: Date): Promise<HoldEnd>;
}
