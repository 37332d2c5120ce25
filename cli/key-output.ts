import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { ApiKey } from '../gen/invites/v1/key_admin_pb.js';

/** A key as the --json output shows it. Field names are part of the CLI's interface. */
export interface KeyJson {
  id: string;
  host: string;
  name: string;
  /** ISO 8601, UTC. */
  createdAt: string | null;
}

export function keyJson(key: ApiKey): KeyJson {
  return {
    id: key.id,
    host: key.host,
    name: key.name,
    createdAt: key.createTime ? timestampDate(key.createTime).toISOString() : null,
  };
}

/** `2025-05-01 12:34:56 UTC`: readable, and the same wherever the operator sits. */
function readableUtc(iso: string | null): string {
  return iso ? `${iso.slice(0, 19).replace('T', ' ')} UTC` : '-';
}

/** The keys:list table: ID, NAME, CREATED, in the order given (the server's: newest first). */
export function keysTable(keys: readonly KeyJson[]): string {
  const rows = [['ID', 'NAME', 'CREATED'], ...keys.map((k) => [k.id, k.name || '<unnamed>', readableUtc(k.createdAt)])];
  const widths = [0, 1].map((col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows.map((row) => row.map((cell, col) => (col < 2 ? cell.padEnd(widths[col]!) : cell)).join('  ')).join('\n');
}
