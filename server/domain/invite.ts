/** An invite as stored: what it was created with. Its status is derived (see invite-status). */

export type InviteKind = 'register';

export interface InviteRecord {
  token: string;
  host: string;
  kind: InviteKind;
  createdAt: Date;
  expiresAt: Date;
  /** `api/token/KEY_ID` or `admin`. */
  source: string;
  /** The key that created it, if a key did. */
  keyId: string | undefined;
  /** How many accounts it can register (1: single use). Invites stored before options existed read as 1. */
  maxUses: number;
  roles: string[];
  groups: string[];
  note: string;
}

/** One use of an invite: use number `use` (1..maxUses) registered `account` at `redeemedAt`. */
export interface RedemptionRecord {
  token: string;
  use: number;
  account: string;
  redeemedAt: Date;
}

/** What happened to an invite after it was created. */
export interface InviteUsage {
  /** Ordered by use number. */
  redemptions: RedemptionRecord[];
  revokedAt: Date | undefined;
}
