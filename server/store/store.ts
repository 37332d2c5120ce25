/** What the service needs from storage. The service never sees database types. */
import type { InviteKind } from '../domain/invite-kind.js';
import type { HoldRecord, InviteHoldStore } from './invite-hold-store.js';

export type { InviteKind } from '../domain/invite-kind.js';

export interface KeyRecord {
  id: string;
  host: string;
  name: string;
  /** SHA-256 of the secret; the secret itself is never stored. */
  secretHash: Uint8Array;
  createdAt: Date;
  /** When the key stops working; undefined: never. */
  expiresAt?: Date;
  /** A disabled key is refused like an unknown one until it is enabled again. */
  disabled?: boolean;
  /** Invites per minute this key may create; undefined: the server's default. */
  rateLimitPerMinute?: number;
  /** When the secret was last replaced. */
  rotatedAt?: Date;
}

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

/** Which invites a list covers; every given condition must hold. */
export interface InviteListQuery {
  host?: string;
  keyId?: string;
  inviter?: string;
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
  /** Sets `disabled`; the updated key, or undefined when the host has no key with that id. */
  setDisabled(host: string, id: string, disabled: boolean): Promise<KeyRecord | undefined>;
  /** Replaces the secret's hash; the updated key, or undefined when the host has no key with that id. */
  replaceSecret(host: string, id: string, secretHash: Uint8Array, rotatedAt: Date): Promise<KeyRecord | undefined>;
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
  /** Newest first: invites of `hosts` created at or after `since`, at most `limit`. */
  listCreated(query: TimeRangeQuery): Promise<InviteRecord[]>;
}

export interface Store {
  keys: KeyStore;
  invites: InviteStore;
  holds: InviteHoldStore;
  /** True when the database removes expired invites by itself (a TTL index). */
  readonly expiresInvitesItself: boolean;
  ping(): Promise<void>;
  /** Names of the indexes the store needs that the database does not have (empty when ready). */
  missingIndexes(): Promise<string[]>;
  close(): Promise<void>;
  keyUsage: KeyUsageStore;
  rateCounters: RateCounterStore;
  audit: AuditStore;
}

/** A unique key (id or token) was already taken. */
export class StoreConflict extends Error {
  override readonly name = 'StoreConflict';
}

/** What a listing of events of some hosts since some time asks for. */
export interface TimeRangeQuery {
  hosts: readonly string[];
  /** Inclusive; undefined: no lower bound. */
  since: Date | undefined;
  limit: number;
}

/** A key's use, summed over every server instance. */
export interface KeyUsage {
  count: number;
  lastUsedAt: Date | undefined;
}

/** One instance's figures for one key since that instance started. */
export interface KeyUsageFigures {
  keyId: string;
  count: number;
  lastUsedAt: Date;
}

/**
 * Key use, counted per server instance: each instance writes only its own documents (a `$set`
 * of its cumulative figures), so no two writers ever update the same document.
 */
/** Every instance's figures summed per key: counts add up, the latest use wins. */
export function sumKeyUsage(figures: Iterable<KeyUsageFigures>): Map<string, KeyUsage> {
  const totals = new Map<string, KeyUsage>();
  for (const f of figures) {
    const t = totals.get(f.keyId) ?? { count: 0, lastUsedAt: undefined };
    t.count += f.count;
    if (!t.lastUsedAt || f.lastUsedAt > t.lastUsedAt) t.lastUsedAt = f.lastUsedAt;
    totals.set(f.keyId, t);
  }
  return totals;
}

export interface KeyUsageStore {
  write(instanceId: string, figures: readonly KeyUsageFigures[]): Promise<void>;
  /** Summed over every instance; keys never used are absent. */
  totals(keyIds: readonly string[]): Promise<Map<string, KeyUsage>>;
  /** Forgets a deleted key's figures. */
  deleteKey(keyId: string): Promise<void>;
}

/** One instance's count of events in one rate-limit scope (e.g. `key:ID`) and window. */
export interface RateCount {
  /** What the scope limits, e.g. `key` or `address`; the scope starts with it. */
  kind: string;
  scope: string;
  /** The window's number: its start time divided by its length. */
  window: number;
  count: number;
}

/** Rate-limit counts shared between instances, each instance writing only its own documents. */
export interface RateCounterStore {
  /** Writes this instance's counts (each its total so far for that scope and window). */
  write(instanceId: string, counts: readonly RateCount[], expiresAt: Date): Promise<void>;
  /**
   * The other instances' counts in `window`, summed per scope: every scope of the given
   * kinds, and the listed scopes.
   */
  readOthers(instanceId: string, window: number, select: { kinds: readonly string[]; scopes: readonly string[] }): Promise<Map<string, number>>;
  /** Removes counts that expired before `before`. */
  deleteExpired(before: Date): Promise<number>;
}

export type AuditAction =
  | 'key_created'
  | 'key_deleted'
  | 'key_disabled'
  | 'key_enabled'
  | 'key_rotated'
  | 'invite_created'
  | 'invite_revoked'
  | 'invite_redeemed';

/** Something done to a key or an invite. Never holds a key's secret or the admin token. */
export interface AuditRecord {
  at: Date;
  action: AuditAction;
  /** `admin` or `key:ID`. */
  actor: string;
  host: string;
  keyId: string | undefined;
  inviteToken: string | undefined;
}

export interface AuditStore {
  insert(event: AuditRecord): Promise<void>;
  /** Newest first. */
  list(query: TimeRangeQuery): Promise<AuditRecord[]>;
}
