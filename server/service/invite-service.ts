import type { HostConfig } from '../config/config.js';
import { DomainError } from '../domain/errors.js';
import { randomToken } from '../domain/random-token.js';
import type { InviteRecord, InviteStore } from '../store/store.js';
import { StoreConflict } from '../store/store.js';
import { inviteUri, landingPageUrl } from './invite-links.js';
import type { KeyAuthenticator, PresentedCredential } from './key-authenticator.js';
import type { KeyRateLimit } from './key-rate-limit.js';

/** mod_invites' token size: 18 random bytes, 24 base64url characters. */
export const INVITE_TOKEN_BYTES = 18;

export interface Invite extends InviteRecord {
  uri: string;
  landingPageUrl: string;
}

export interface InviteServiceDeps {
  invites: InviteStore;
  keyAuthenticator: KeyAuthenticator;
  hosts: ReadonlyMap<string, HostConfig>;
  now: () => Date;
  /** Invites per minute per key. */
  keyRateLimit: KeyRateLimit;
}

export interface InviteService {
  /** Creates and durably stores an invite on the host of the presented key. */
  createInvite(credential: PresentedCredential): Promise<Invite>;
}

export function createInviteService(deps: InviteServiceDeps): InviteService {
  const describe = (record: InviteRecord, host: HostConfig): Invite => ({
    ...record,
    uri: inviteUri(record.host, record.token),
    landingPageUrl: landingPageUrl(host, record.token),
  });

  return {
    async createInvite(credential) {
      const key = await deps.keyAuthenticator.authenticate(credential);
      const host = deps.hosts.get(key.host);
      if (!host) {
        throw new DomainError('failed_precondition', `host "${key.host}" of this key is no longer configured on the server`);
      }
      deps.keyRateLimit.take(key);
      // A collision of 144 random bits will not happen, but if it did the client must not see it.
      for (let attempt = 0; ; attempt++) {
        const createdAt = deps.now();
        const record: InviteRecord = {
          token: randomToken(INVITE_TOKEN_BYTES),
          host: host.name,
          kind: 'register',
          createdAt,
          expiresAt: new Date(createdAt.getTime() + host.inviteTtlSeconds * 1000),
          source: `api/token/${key.id}`,
          keyId: key.id,
        };
        try {
          await deps.invites.insert(record);
          return describe(record, host);
        } catch (err) {
          if (!(err instanceof StoreConflict) || attempt >= 2) throw err;
        }
      }
    },
  };
}
