import { randomToken } from './random-token.js';

/** Prosody 0.12's key shape: ID from 9 random bytes (12 chars), SECRET from 27 (36 chars). */
export const KEY_ID_BYTES = 9;
export const KEY_SECRET_BYTES = 27;

const KEY_PATTERN = /^([A-Za-z0-9_-]{12})\/([A-Za-z0-9_-]{36})$/;
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{12}$/;

export interface ParsedKey {
  id: string;
  secret: string;
}

export function generateApiKey(): ParsedKey & { full: string } {
  const id = randomToken(KEY_ID_BYTES);
  const secret = randomToken(KEY_SECRET_BYTES);
  return { id, secret, full: `${id}/${secret}` };
}

/** Parses `ID/SECRET`; undefined when it is not of that shape. */
export function parseApiKey(full: string): ParsedKey | undefined {
  const m = KEY_PATTERN.exec(full);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

export function isKeyId(id: string): boolean {
  return KEY_ID_PATTERN.test(id);
}
