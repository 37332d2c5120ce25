import type { HostConfig } from '../config/config.js';
import { DomainError } from '../domain/errors.js';
import { validateInviteOptions, type InviteOptionsRequest } from '../domain/invite-options.js';
import { randomToken } from '../domain/random-token.js';
import type { InviteRecord } from '../domain/invite.js';
import type { InviteStore } from '../store/store.js';
import { StoreConflict } from '../store/store.js';
import type { Caller, CallerAuthenticator } from './caller-authenticator.js';
import { configuredHost, HOST_REQUIRED_WITH_ADMIN_TOKEN } from './configured-host.js';
import { describeInvite, type Invite } from './invite-view.js';
import type { PresentedCredential } from './key-authenticator.js';
import type { KeyRateLimit } from './key-rate-limit.js';

export type { Invite } from './invite-view.js';

/** mod_invites' token size: 18 random bytes, 24 base64url characters. */
export const INVITE_TOKEN_BYTES = 18;

export interface InviteServiceDeps {
  invites: InviteStore;
  /** API keys, and the admin token (which creates invites on a host it names). */
  callers: CallerAuthenticator;
  hosts: ReadonlyMap<string, HostConfig>;
  now: () => Date;
  /** Invites per minute per key. */
  keyRateLimit: KeyRateLimit;
}

/** The creation options, and `host`, which only the admin token may (and must) give. */
export interface CreateInviteRequest extends InviteOptionsRequest {
  host?: string | undefined;
}

export interface InviteService {
  /** Creates and durably stores an invite on the host of the presented key (or the admin's chosen host). */
  createInvite(credential: PresentedCredential, request?: CreateInviteRequest): Promise<Invite>;
}

/** The host an invite is created on: the key's own, or the one the admin names. */
function hostFor(caller: Caller, requested: string, hosts: ReadonlyMap<string, HostConfig>): HostConfig {
  if (caller.kind === 'admin') {
    return configuredHost(hosts, requested, HOST_REQUIRED_WITH_ADMIN_TOKEN);
  }
  const { key } = caller;
  if (requested && requested.toLowerCase() !== key.host) {
    throw new DomainError('invalid_argument', `host: an API key creates invites only on its own host (${key.host}); leave host empty`);
  }
  const host = hosts.get(key.host);
  if (!host) {
    throw new DomainError('failed_precondition', `host "${key.host}" of this key is no longer configured on the server`);
  }
  return host;
}

export function createInviteService(deps: InviteServiceDeps): InviteService {
  return {
    async createInvite(credential, request = {}) {
      const caller = await deps.callers.authenticate(credential);
      const host = hostFor(caller, request.host ?? '', deps.hosts);
      const options = validateInviteOptions(request, host);
      const key = caller.kind === 'key' ? caller.key : undefined;
      // Invites per minute per key (the admin token is not limited).
      if (key) deps.keyRateLimit.take(key);
      // A collision of 144 random bits will not happen, but if it did the client must not see it.
      for (let attempt = 0; ; attempt++) {
        const createdAt = deps.now();
        const record: InviteRecord = {
          token: randomToken(INVITE_TOKEN_BYTES),
          host: host.name,
          kind: 'register',
          createdAt,
          expiresAt: new Date(createdAt.getTime() + options.ttlSeconds * 1000),
          source: key ? `api/token/${key.id}` : 'admin',
          keyId: key?.id,
          maxUses: options.maxUses,
          roles: options.roles,
          groups: options.groups,
          note: options.note,
        };
        try {
          await deps.invites.insert(record);
          return describeInvite(record, host, undefined, createdAt);
        } catch (err) {
          if (!(err instanceof StoreConflict) || attempt >= 2) throw err;
        }
      }
    },
  };
}
