/** What the service needs from storage. The service never sees database types. */

import type { AuditRecord } from '../domain/audit.js';
import type { InviteRecord, InviteUsage, QuotaHolding, RedemptionRecord } from '../domain/invite.js';
import type { KeyRecord, KeyUsage, KeyUsageFigures } from '../domain/key.js';
import type { InviteHoldStore } from './invite-hold-store.js';
import type { WebhookStore } from './webhook-store.js';

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

/** A key's limits to change: a number sets one, null removes it, absent leaves it. */
export type KeyLimitChange = Partial<Record<'rateLimitPerMinute' | 'maxValidInvites' | 'maxUsesCeiling' | 'maxTtlSeconds', number | null>>;

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
  /** Sets (a number) or removes (null) limits of a key; the updated key, or undefined when the host has no key with that id. */
  setLimits(host: string, id: string, limits: KeyLimitChange): Promise<KeyRecord | undefined>;
  /** Replaces the secret's hash; the updated key, or undefined when the host has no key with that id. */
  replaceSecret(host: string, id: string, secretHash: Uint8Array, rotatedAt: Date): Promise<KeyRecord | undefined>;
}

/** The editable fields of an invite as an edit writes them, with the edit's number. */
export interface InviteChange {
  version: number;
  expiresAt: Date;
  maxUses: number;
  note: string;
  roles: string[];
  groups: string[];
  /** A quota slot newly taken by the edit (a used-up invite made valid again). */
  quota?: QuotaHolding;
}

/** What capping some uses came to: the ones now capped by this call, and the ones a use or hold already had. */
export interface UseCaps {
  capped: number[];
  taken: number[];
}

/** The claims behind UpdateInvite (see mongo-invite-edits.ts): each an insert under a unique key. */
export interface InviteEditStore {
  /** Claims edit number `version` of an invite: of concurrent claims exactly one wins; `claimedAt` is the winner's time. */
  claimEdit(token: string, version: number, at: Date, inviteExpiresAt: Date): Promise<{ won: boolean; claimedAt: Date }>;
  /** Puts use numbers `uses` out of reach of every claim (redeem, hold, revocation); those a use or hold already had are `taken`. */
  capUses(token: string, uses: readonly number[], at: Date, inviteExpiresAt: Date): Promise<UseCaps>;
  /** Makes capped use numbers claimable again (only edits cap or uncap, one at a time per invite). */
  uncapUses(token: string, uses: readonly number[]): Promise<void>;
  /** Keeps the claims of uses 1..`uses` (and the invite's revocation and edits) until at least `expiresAt`. */
  keepClaimsUntil(invite: Pick<InviteRecord, 'token' | 'editVersion'>, uses: number, expiresAt: Date): Promise<void>;
}

export interface InviteStore extends InviteEditStore {
  /**
   * Inserts all of `invites` in one database write; resolves once all are durably written.
   * Throws StoreConflict when a token is taken (having removed the ones it wrote).
   */
  insertMany(invites: readonly InviteRecord[]): Promise<void>;
  /** Writes edit `change.version` of an invite unless a later (or the same) version is stored. */
  update(token: string, change: InviteChange): Promise<void>;
  /** Resolves only once the invite is durably written. Throws StoreConflict when the token is taken. */
  insert(invite: InviteRecord): Promise<void>;
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
  /**
   * Redemptions, revocation and running holds of each of `invites`, by token (an invite nothing
   * happened to has no entry). Its cost follows the invites' `maxUses`, never the number stored.
   */
  usage(invites: readonly Pick<InviteRecord, 'token' | 'maxUses'>[]): Promise<Map<string, InviteUsage>>;
  /** Newest first: invites of `hosts` created at or after `since`, at most `limit`. */
  listCreated(query: TimeRangeQuery): Promise<InviteRecord[]>;
}

/** Who holds slot `slot` of a quota scope: an invite (by token), until it expires or is released. */
export interface SlotOccupant {
  slot: number;
  token: string;
  /** Tells this holding of the slot from earlier and later ones. */
  nonce: string;
  expiresAt: Date;
}

/**
 * Quotas without counters or scans (see docs/invite-management.md): a scope (a key's valid
 * invites, a user's invites in a period) has numbered slots, each taken by an insert under a
 * unique key, so of concurrent takers of one slot exactly one wins, on every engine.
 */
export interface QuotaStore {
  /** Who holds each of `slots` (slot numbers) of `scope`; free slots are absent. */
  occupants(scope: string, slots: readonly number[]): Promise<Map<number, SlotOccupant>>;
  /** Tries to take each slot of `occupants`; answers the slot numbers taken by this call. */
  occupy(scope: string, occupants: readonly SlotOccupant[]): Promise<number[]>;
  /**
   * Frees slot `slot` if `nonce` still holds it. Each holding is freed at most once, by whoever
   * claims its release first (an insert), so no release can free a later holding. True when this call freed it.
   */
  release(scope: string, slot: number, nonce: string, expiresAt: Date): Promise<boolean>;
  /** Whoever holds slot `slot` of `scope`, if anyone. */
  occupant(scope: string, slot: number): Promise<SlotOccupant | undefined>;
  /** Moves the expiry of a holding that `nonce` still has. */
  extend(scope: string, slot: number, nonce: string, expiresAt: Date): Promise<void>;
  /** Takes one of `units` numbered units of `scope` (a period's count), kept until `until`: its number; undefined when all are taken. */
  takeUnit(scope: string, units: number, until: Date): Promise<number | undefined>;
  /** Gives back a unit this caller took (an all-or-nothing batch that could not get them all). */
  giveUnit(scope: string, unit: number): Promise<void>;
}

export interface Store {
  keys: KeyStore;
  quotas: QuotaStore;
  invites: InviteStore;
  holds: InviteHoldStore;
  ping(): Promise<void>;
  /** Names of the indexes the store needs that the database does not have (empty when ready). */
  missingIndexes(): Promise<string[]>;
  close(): Promise<void>;
  keyUsage: KeyUsageStore;
  rateCounters: RateCounterStore;
  audit: AuditStore;
  /** Webhook endpoints and the outbox of their deliveries. */
  webhooks: WebhookStore;
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

/**
 * Key use, counted per server instance: each instance writes only its own documents (a `$set`
 * of its cumulative figures), so no two writers ever update the same document.
 */
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
  readOthers(
    instanceId: string,
    window: number,
    select: { kinds: readonly string[]; scopes: readonly string[] },
  ): Promise<Map<string, number>>;
  /** Removes counts that expired before `before`. */
  deleteExpired(before: Date): Promise<number>;
}

export interface AuditStore {
  insert(event: AuditRecord): Promise<void>;
  /** Newest first. */
  list(query: TimeRangeQuery): Promise<AuditRecord[]>;
}
