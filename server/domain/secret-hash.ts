import { createHash, timingSafeEqual } from 'node:crypto';

/** SHA-256 of a secret; only this is ever stored. The secrets are 27+ random bytes, so no salt or KDF is needed. */
export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: Uint8Array): boolean {
  const presented = hashSecret(secret);
  return storedHash.length === presented.length && timingSafeEqual(presented, storedHash);
}
