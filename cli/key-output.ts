import { timestampDate, type ApiKey, type Timestamp } from '../client/index.js';
import { escapeUnsafeCharacters } from '../server/domain/unsafe-characters.js';

const iso = (t: Timestamp | undefined) => (t ? timestampDate(t).toISOString() : null);

/** A key as the --json output shows it. Field names are part of the CLI's interface. */
export interface KeyJson {
  id: string;
  host: string;
  name: string;
  /** ISO 8601, UTC. */
  createdAt: string | null;
  /** When the key stops working; null: never. */
  expiresAt: string | null;
  disabled: boolean;
  /** Invites per minute: the key's own limit or the server's default. */
  rateLimitPerMinute: number;
  /** Requests the key authenticated, as the servers have reported them (every few seconds). */
  useCount: number;
  lastUsedAt: string | null;
  /** When the secret was last replaced; null: never. */
  rotatedAt: string | null;
  /** The most valid invites the key may hold at once; 0: no ceiling. */
  maxValidInvites: number;
  /** The largest max_uses the key may ask for; 0: no ceiling of its own. */
  maxUsesCeiling: number;
  /** The longest invite lifetime the key may ask for, in seconds; 0: the host's maximum. */
  maxTtlSeconds: number;
}

export function keyJson(key: ApiKey): KeyJson {
  return {
    id: key.id,
    host: key.host,
    name: key.name,
    createdAt: iso(key.createTime),
    expiresAt: iso(key.expireTime),
    disabled: key.disabled,
    rateLimitPerMinute: key.rateLimitPerMinute,
    useCount: Number(key.useCount),
    lastUsedAt: iso(key.lastUseTime),
    rotatedAt: iso(key.rotateTime),
    maxValidInvites: key.maxValidInvites,
    maxUsesCeiling: key.maxUsesCeiling,
    maxTtlSeconds: key.maxTtlSeconds,
  };
}

/** `2025-05-01 12:34:56 UTC`: readable, and the same wherever the operator sits. */
export function readableUtc(iso: string | null): string {
  return iso ? `${iso.slice(0, 19).replace('T', ' ')} UTC` : '-';
}

/** `active`, `disabled`, or `expired` (at `now`). */
export function keyState(key: KeyJson, now: Date): string {
  if (key.disabled) return 'disabled';
  if (key.expiresAt && Date.parse(key.expiresAt) <= now.getTime()) return 'expired';
  return 'active';
}

/**
 * Columns padded to their widest cell, two spaces apart. Control and format characters in a cell
 * (a name stored before they were refused, or from a hostile server) are shown as `\uXXXX`, so
 * no cell can move the cursor or reverse the text of the operator's terminal.
 */
export function table(cells: readonly string[][]): string {
  const rows = cells.map((row) => row.map(escapeUnsafeCharacters));
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows.map((row) => row.map((cell, col) => (col < row.length - 1 ? cell.padEnd(widths[col]!) : cell)).join('  ')).join('\n');
}

/** The keys:list table, in the order given (the server's: newest first). */
export function keysTable(keys: readonly KeyJson[], now = new Date()): string {
  return table([
    ['ID', 'NAME', 'CREATED', 'STATE', 'EXPIRES', 'LIMIT/MIN', 'USES', 'LAST USED'],
    ...keys.map((k) => [
      k.id,
      k.name || '<unnamed>',
      readableUtc(k.createdAt),
      keyState(k, now),
      k.expiresAt ? readableUtc(k.expiresAt) : 'never',
      String(k.rateLimitPerMinute),
      String(k.useCount),
      k.lastUsedAt ? readableUtc(k.lastUsedAt) : 'never',
    ]),
  ]);
}
