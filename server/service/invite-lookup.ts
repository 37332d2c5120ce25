import type { HostConfig } from '../config/config.js';
import { DomainError } from '../domain/errors.js';
import { isBoundAccount } from '../domain/invite-kind.js';
import { inviteUnavailable } from '../domain/invite-status.js';
import type { InviteHoldStore } from '../store/invite-hold-store.js';
import type { InviteRecord, InviteStore } from '../store/store.js';
import { ADMIN_ACTOR, keyActor } from './audit-log.js';
import type { Caller } from './caller-authenticator.js';
import { describeInvite, type Invite } from './invite-view.js';

export const MAX_ACCOUNT_LENGTH = 1023;

/** Tokens are 24 base64url characters; anything far from that shape is unknown without asking the store. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{1,64}$/;

export const actorOf = (caller: Caller) => (caller.kind === 'admin' ? ADMIN_ACTOR : keyActor(caller.key.id));

export const inviteNotFound = () => new DomainError('not_found', 'invite not found: check the token (invites are removed some days after they expire)');

export async function findInvite(invites: InviteStore, token: string): Promise<InviteRecord> {
  const record = TOKEN_SHAPE.test(token) ? await invites.find(token) : undefined;
  if (!record) throw inviteNotFound();
  return record;
}

/** The invite a registration side may use: any host's for the admin token, its own host's for a key. */
export async function findInviteOfCaller(invites: InviteStore, caller: Caller, token: string): Promise<InviteRecord> {
  const record = await findInvite(invites, token);
  if (caller.kind === 'key' && record.host !== caller.key.host) throw inviteNotFound();
  return record;
}

/** An account as the registration side names it (`alice` or `alice@example.com`). */
export function validateAccount(account: string): void {
  if (!account || account.length > MAX_ACCOUNT_LENGTH || /[\s\p{Cc}]/u.test(account)) {
    throw new DomainError('invalid_argument', `account must be 1 to ${MAX_ACCOUNT_LENGTH} characters without spaces or control characters, e.g. alice or alice@example.com`);
  }
}

/** Who an invite is for: a bound (or password-reset) invite serves only its username. */
export function checkBoundAccount(record: InviteRecord, account: string): void {
  if (record.username && !isBoundAccount(record.username, record.host, account)) {
    throw new DomainError('failed_precondition', `this invite is for the account ${record.username}: it cannot register or reset ${account}`);
  }
}

/** Invites with their links and state, read in one usage query. */
export function inviteDescriber(deps: { invites: InviteStore; hosts: ReadonlyMap<string, HostConfig>; now: () => Date }) {
  const describeAll = async (records: InviteRecord[], now: Date): Promise<Invite[]> => {
    const usage = await deps.invites.usage(records.map((r) => r.token));
    return records.map((r) => describeInvite(r, deps.hosts.get(r.host), usage.get(r.token), now));
  };
  const describeOne = async (record: InviteRecord): Promise<Invite> => (await describeAll([record], deps.now()))[0]!;
  return { describeAll, describeOne };
}

/** What claiming one use number came to. */
export type UseClaim = 'won' | 'taken' | 'revoked';

/**
 * Claims a free use of an invite with `claim` (an insert under the use's unique key, so whoever
 * inserts use N first owns it on every engine). Tries the uses `before` did not show taken, in
 * order; a use held by a lapsed hold is given back (reclaimed) and tried once more. Throws
 * failed_precondition (revoked or used up) when no use is left.
 */
export async function claimFreeUse(
  deps: { holds: InviteHoldStore; now: () => Date },
  record: InviteRecord,
  before: Invite,
  claim: (use: number) => Promise<UseClaim>,
  describeOne: (record: InviteRecord) => Promise<Invite>,
): Promise<number> {
  const taken = new Set([...before.redemptions.map((r) => r.use), ...before.holds.map((h) => h.use)]);
  for (let use = 1; use <= record.maxUses; use++) {
    if (taken.has(use)) continue;
    for (let attempt = 0; attempt < 2; attempt++) {
      const outcome = await claim(use);
      if (outcome === 'won') return use;
      if (outcome === 'revoked') throw inviteUnavailable('revoked');
      if (attempt > 0 || !(await deps.holds.reclaim(record.token, use, deps.now()))) break;
    }
  }
  // Every use is taken: by redemptions and holds, or by a revocation that voids the free ones.
  const after = await describeOne(record);
  throw inviteUnavailable(after.revokedAt ? 'revoked' : 'used_up');
}
