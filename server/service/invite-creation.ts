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
import { checkKeyCeilings, defaultTtlFor } from './key-ceilings.js';
import { releaseSlot, takeUserInvites, takeValidInviteSlots, type QuotaDeps } from './invite-quotas.js';
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

/** Most invites one CreateInvites call makes. */
export const MAX_BULK_INVITES = 1000;

type CreationDeps = QuotaDeps & {
  invites: InviteStore;
  hosts: ReadonlyMap<string, HostConfig>;
  now: () => Date;
  keyRateLimit: KeyRateLimit;
  events?: ChangeEvents;
};

/**
 * The quotas of a key's creation of `records` (the admin token has none): the host's per-user
 * quota for invites made on behalf of a user, then a slot of the key's max_valid_invites each.
 */
async function takeQuotas(
  deps: CreationDeps,
  checked: ReturnType<typeof checkedRequest>,
  records: InviteRecord[],
): Promise<() => Promise<void>> {
  if (!checked.key) return async () => {};
  const giveUnits = await takeUserInvites(deps, checked.host, checked.kind.inviter, records.length);
  try {
    const holdings = await takeValidInviteSlots(deps, checked.key, records);
    holdings?.forEach((quota, i) => (records[i]!.quota = quota));
  } catch (err) {
    await giveUnits();
    throw err;
  }
  return async () => {
    await giveUnits();
    await Promise.all(records.map((r) => releaseSlot(deps, r)));
  };
}

/** Stores `records` (renewing tokens on a collision, keeping their quotas); gives the quotas back if that fails. */
async function storeRecords(records: InviteRecord[], giveBack: () => Promise<void>, write: (records: InviteRecord[]) => Promise<void>) {
  // A collision of 144 random bits will not happen, but if it did the client must not see it.
  for (let attempt = 0; ; attempt++) {
    try {
      return await write(records);
    } catch (err) {
      if (!(err instanceof StoreConflict) || attempt >= 2) {
        await giveBack().catch(() => {});
        throw err;
      }
      for (const r of records) r.token = randomToken(INVITE_TOKEN_BYTES);
    }
  }
}

/** The host, options and kind of a creation request, checked against the host's limits and the key's ceilings. */
function checkedRequest(deps: CreationDeps, caller: Caller, request: CreateInviteRequest) {
  const host = hostFor(caller, request.host ?? '', deps.hosts);
  const key = caller.kind === 'key' ? caller.key : undefined;
  const options = validateInviteOptions(request, { ...host, inviteTtlSeconds: defaultTtlFor(key, host.inviteTtlSeconds) });
  if (key) checkKeyCeilings(key, options);
  return { host, options, kind: validateInviteKind(request), key };
}

function newRecord(checked: ReturnType<typeof checkedRequest>, createdAt: Date): InviteRecord {
  const { host, options, kind, key } = checked;
  return {
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
}

/** Creates and durably stores an invite for an authenticated caller. */
export async function createInviteFor(deps: CreationDeps, caller: Caller, request: CreateInviteRequest): Promise<Invite> {
  const checked = checkedRequest(deps, caller, request);
  // Invites per minute per key (the admin token is not limited).
  if (checked.key) deps.keyRateLimit.take(checked.key);
  const createdAt = deps.now();
  const record = newRecord(checked, createdAt);
  const giveBack = await takeQuotas(deps, checked, [record]);
  const actor = callerActor(caller);
  await storeRecords([record], giveBack, ([r]) => withEvent(deps.events, [inviteCreated(r!, actor)], () => deps.invites.insert(r!)));
  return describeInvite(record, checked.host, undefined, createdAt);
}

/**
 * Creates `count` invites with the same options in one database write, all or nothing: the
 * key's rate limit counts each of them and is taken for all at once.
 */
export async function createInvitesFor(deps: CreationDeps, caller: Caller, count: number, request: CreateInviteRequest): Promise<Invite[]> {
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_BULK_INVITES) {
    throw new DomainError('invalid_argument', `count must be a whole number from 1 to ${MAX_BULK_INVITES} (got ${count})`);
  }
  const checked = checkedRequest(deps, caller, request);
  if (checked.key) deps.keyRateLimit.take(checked.key, count);
  const createdAt = deps.now();
  const records = Array.from({ length: count }, () => newRecord(checked, createdAt));
  const giveBack = await takeQuotas(deps, checked, records);
  const actor = callerActor(caller);
  await storeRecords(records, giveBack, (rs) =>
    withEvent(
      deps.events,
      rs.map((r) => inviteCreated(r, actor)),
      () => deps.invites.insertMany(rs),
    ),
  );
  return records.map((r) => describeInvite(r, checked.host, undefined, createdAt));
}
