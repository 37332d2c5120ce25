import { randomBytes } from 'node:crypto';

/**
 * base64url without padding of `bytes` bytes from the CSPRNG (Prosody's id.long/medium style),
 * never starting with `-`: a command line would read such an invite token, key id or webhook id
 * as a flag (`invitesctl hooks:delete HOST -cEI7…` failed with "nonexistent flag"). Redrawing the
 * one case in 64 costs 0.02 bits.
 */
export function randomToken(bytes: number): string {
  for (;;) {
    const token = randomBytes(bytes).toString('base64url');
    if (!token.startsWith('-')) return token;
  }
}
