/** What the service needs from storage. The service never sees database types. */

export interface KeyRecord {
  id: string;
  host: string;
  name: string;
  /** SHA-256 of the secret; the secret itself is never stored. */
  secretHash: Uint8Array;
  createdAt: Date;
}

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

/** Which invites a list covers; every given condition must hold. */
export interface InviteListQuery {
  host?: string;
  keyId?: string;
  expiresAfter?: Date;
  expiresAtOrBefore?: Date;
}

/** A position in the newest-first order of invites: the last invite already seen. */
export interface InviteCursor {
  createdAt: Date;
  token: string;
}

export interface KeyStore {
  /** Throws StoreConflict when the id is taken. */
  insert(key: KeyRecord): Promise<void>;
  findById(id: string): Promise<KeyRecord | undefined>;
  /** Newest first. */
  listByHost(host: string): Promise<KeyRecord[]>;
  /** False when the host has no key with that id. */
  delete(host: string, id: string): Promise<boolean>;
}

export interface InviteStore {
  /** Resolves only once the invite is durably written. Throws StoreConflict when the token is taken. */
  insert(invite: InviteRecord): Promise<void>;
  /** The invite if it exists and has not expired at `now`. */
  findValid(token: string, now: Date): Promise<InviteRecord | undefined>;
  /** Invites that expired before `before` (and their redemptions); returns how many invites were removed. */
  deleteExpired(before: Date): Promise<number>;
  /** The invite whether or not it has expired. */
  find(token: string): Promise<InviteRecord | undefined>;
  /** Up to `limit` invites matching `query`, newest first (ties by token), strictly after `after`. */
  list(query: InviteListQuery, after: InviteCursor | undefined, limit: number): Promise<InviteRecord[]>;
  /**
   * Claims use number `redemption.use` of an invite. Atomic on every engine (an insert under a
   * unique key): of any number of concurrent claims of one use number, exactly one returns true,
   * and a use number taken by a revocation is never handed out.
   */
  claimUse(redemption: RedemptionRecord, inviteExpiresAt: Date): Promise<boolean>;
  /**
   * Marks the invite revoked, then claims every use number from 1 to `maxUses` not yet claimed,
   * so that no claimUse can succeed once it has resolved. Idempotent; safe to retry after a failure.
   */
  revoke(invite: Pick<InviteRecord, 'token' | 'maxUses' | 'expiresAt'>, at: Date): Promise<void>;
  /** Redemptions and revocation of each of `tokens` (an invite nothing happened to has no entry). */
  usage(tokens: readonly string[]): Promise<Map<string, InviteUsage>>;
}

export interface Store {
  keys: KeyStore;
  invites: InviteStore;
  /** True when the database removes expired invites by itself (a TTL index). */
  readonly expiresInvitesItself: boolean;
  ping(): Promise<void>;
  /** Names of the indexes the store needs that the database does not have (empty when ready). */
  missingIndexes(): Promise<string[]>;
  close(): Promise<void>;
}

/** A unique key (id or token) was already taken. */
export class StoreConflict extends Error {
  override readonly name = 'StoreConflict';
}
