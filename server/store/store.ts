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
  /** Invites that expired before `before`; returns how many were removed. */
  deleteExpired(before: Date): Promise<number>;
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
