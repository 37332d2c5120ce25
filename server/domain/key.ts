/** API keys and their use. */

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
  /** The most valid invites the key may hold at once; undefined: no ceiling. */
  maxValidInvites?: number;
  /** The largest max_uses the key may ask for; undefined: the server's maximum. */
  maxUsesCeiling?: number;
  /** The longest invite lifetime the key may ask for, in seconds; undefined: the host's maximum. */
  maxTtlSeconds?: number;
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
