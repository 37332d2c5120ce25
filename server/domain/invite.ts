/** An invite as stored: what it was created with. Its status is derived (see invite-status). */

/** What accepting an invite does, as Prosody's mod_invites makes them. */
export type InviteKind = 'register' | 'roster' | 'password_reset';

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
  // Absent on invites stored before kinds existed: any username, no inviter (a register invite).
  /** Register/reset: the only username it registers or resets; '' or absent: any. */
  username?: string;
  /** The local user who made it; '' or absent when a key or the operator did. */
  inviter?: string;
  /** Roster invites: whether a new account may also register with it. */
  allowRegistration?: boolean;
  /** How many times it was edited (UpdateInvite); absent: never. */
  editVersion?: number;
  /** The quota slot it holds while valid (its key's max_valid_invites); absent: none. */
  quota?: QuotaHolding;
}

/** A slot of a quota scope held by one invite; `nonce` tells this holding from others of the slot. */
export interface QuotaHolding {
  scope: string;
  slot: number;
  nonce: string;
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
  /** Holds not ended yet (some may have lapsed by now), ordered by use number. */
  holds?: HoldRecord[];
}

/** A reservation of use number `use` of an invite for `account`, until `heldUntil` (see HoldInvite). */
export interface HoldRecord {
  token: string;
  use: number;
  holdId: string;
  account: string;
  heldAt: Date;
  heldUntil: Date;
}
