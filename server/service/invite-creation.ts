import type { HostConfig } from '../config/config.js';
import { DomainError } from '../domain/errors.js';
import type { InviteRecord } from '../domain/invite.js';
import { validateInviteKind, type InviteKindRequest } from '../domain/invite-kind.js';
import { validateInviteOptions, type InviteOptionsRequest } from '../domain/invite-options.js';
import { randomToken } from '../domain/random-token.js';
import type { InviteStore } from '../store/store.js';
import { StoreConflict } from '../store/store.js';
import type { Caller } from './caller-authenticator.js';
import { configuredHost, HOST_REQUIRED_WITH_ADMIN_TOKEN } from './configured-host.js';
import { describeInvite, type Invite } from './invite-view.js';
import type { KeyRateLimit } from './key-rate-limit.js';
import { callerActor } from './audit-log.js';
import { inviteCreated, withEvent, type ChangeEvents } from './webhook-events.js';

/** mod_invites' token size: 18 random bytes, 24 base64url characters. */
export const INVITE_TOKEN_BYTES = 18;

/** The creation options, and `host`, which only the admin token may (and must) give. */
export interface CreateInviteRequest extends InviteOptionsRequest, InviteKindRequest {
  host?: string | undefined;
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

/** Creates and durably stores an invite for an authenticated caller. */
export async function createInviteFor(
  deps: {
    invites: InviteStore;
    hosts: ReadonlyMap<string, HostConfig>;
    now: () => Date;
    keyRateLimit: KeyRateLimit;
    events?: ChangeEvents;
  },
  caller: Caller,
  request: CreateInviteRequest,
): Promise<Invite> {
  const host = hostFor(caller, request.host ?? '', deps.hosts);
  const options = validateInviteOptions(request, host);
  const kind = validateInviteKind(request);
  const key = caller.kind === 'key' ? caller.key : undefined;
  // Invites per minute per key (the admin token is not limited).
  if (key) deps.keyRateLimit.take(key);
  // A collision of 144 random bits will not happen, but if it did the client must not see it.
  for (let attempt = 0; ; attempt++) {
    const createdAt = deps.now();
    const record: InviteRecord = {
      token: randomToken(INVITE_TOKEN_BYTES),
      host: host.name,
      ...kind,
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
      await withEvent(deps.events, inviteCreated(record, callerActor(caller)), () => deps.invites.insert(record));
      return describeInvite(record, host, undefined, createdAt);
    } catch (err) {
      if (!(err instanceof StoreConflict) || attempt >= 2) throw err;
    }
  }
}
