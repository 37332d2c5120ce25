import { randomBytes } from 'node:crypto';

/** base64url without padding of `bytes` bytes from the CSPRNG (Prosody's id.long/medium style). */
export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}
