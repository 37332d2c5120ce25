/**
 * Standard Webhooks secrets and signatures (https://www.standardwebhooks.com/): a secret is
 * `whsec_` + base64 of random bytes; a signature is `v1,` + base64 of the HMAC-SHA256, keyed with
 * those bytes, of `MSG_ID.TIMESTAMP.BODY`.
 *
 * The server must sign with the secret, so it cannot keep only a hash of it: it stores it
 * encrypted (AES-256-GCM) with a key derived from the admin token, which every instance has and the
 * database does not. A copy of the database alone does not give the secrets away.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 24;
const ENCRYPTION_VERSION = 'v1';

export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** The `webhook-signature` header of one attempt. */
export function signWebhook(secret: string, messageId: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64')}`;
}

export interface SecretBox {
  seal(secret: string): string;
  /** Throws when it was sealed with another key (the admin token changed). */
  open(sealed: string): string;
}

/** Seals secrets with a key derived from `adminToken`. */
export function secretBox(adminToken: string): SecretBox {
  const key = Buffer.from(hkdfSync('sha256', adminToken, 'invites', 'webhook signing secrets', 32));
  return {
    seal(secret) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return `${ENCRYPTION_VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
    },
    open(sealed) {
      const raw = Buffer.from(sealed.slice(ENCRYPTION_VERSION.length + 1), 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}
