/**
 * Quotas on creating invites, kept without counters or scans (see docs/invite-management.md):
 * - a key's max_valid_invites: each valid invite of the key holds one of its numbered slots,
 *   given back when the invite is revoked or used up, and reclaimable once it expired;
 * - a host's userInviteQuota: invites made on behalf of a local user (`inviter`) take one of
 *   `count` numbered units of the current period.
 */
import { randomBytes } from 'node:crypto';
import type { HostConfig } from '../config/config.js';
import { DomainError } from '../domain/errors.js';
import { formatDurationSeconds } from '../domain/duration.js';
import type { InviteRecord, QuotaHolding } from '../domain/invite.js';
import type { KeyRecord } from '../domain/key.js';
import type { QuotaStore, SlotOccupant } from '../store/store.js';

export interface QuotaDeps {
  quotas: QuotaStore;
  now: () => Date;
}

const keyScope = (keyId: string) => `key:${keyId}`;
const nonce = () => randomBytes(9).toString('base64url');
/** Rounds of read-then-insert before a key with free slots is told it has none (others kept winning them). */
const SLOT_ROUNDS = 4;
/** Slots read per query: a create reads pages from a random one until it has found enough free slots. */
const SLOT_PAGE = 256;

/**
 * Up to `wanted` slots of `scope` (1..limit) that can be taken: free ones, and those of expired
 * invites, released on the way. Pages of slots are read from a random page on, so a key far
 * from its limit costs one page, whatever the limit.
 */
async function findFreeSlots(deps: QuotaDeps, scope: string, limit: number, wanted: number, skip: ReadonlySet<number>): Promise<number[]> {
  const pages = Math.ceil(limit / SLOT_PAGE);
  const first = Math.floor(Math.random() * pages);
  const free: number[] = [];
  for (let p = 0; p < pages && free.length < wanted; p++) {
    const start = ((first + p) % pages) * SLOT_PAGE + 1;
    const slots = Array.from({ length: Math.min(SLOT_PAGE, limit - start + 1) }, (_, i) => start + i).filter((s) => !skip.has(s));
    const held = await deps.quotas.occupants(scope, slots);
    for (const slot of slots) if (!held.has(slot) && free.length < wanted) free.push(slot);
    // An expired invite no longer counts: its slot is released (once, by whoever claims that first).
    const now = deps.now();
    for (const o of held.values()) {
      if (free.length >= wanted) break;
      if (o.expiresAt <= now && (await deps.quotas.release(scope, o.slot, o.nonce, o.expiresAt))) free.push(o.slot);
    }
  }
  return free;
}

const overValidInvites = (key: KeyRecord, asked: number) =>
  new DomainError(
    'resource_exhausted',
    `this key may hold at most ${key.maxValidInvites} valid invites at once` +
      `${asked > 1 ? ` (${asked} asked at once, none created)` : ''}: revoke some, or wait until they are used or expire`,
  );

/**
 * Takes one slot of the key's max_valid_invites for each of `invites` (all or none); undefined
 * when the key has no such ceiling. Slots of expired invites are reclaimed on the way.
 */
export async function takeValidInviteSlots(
  deps: QuotaDeps,
  key: KeyRecord,
  invites: readonly Pick<InviteRecord, 'token' | 'expiresAt'>[],
): Promise<QuotaHolding[] | undefined> {
  const limit = key.maxValidInvites;
  if (!limit) return undefined;
  const scope = keyScope(key.id);
  if (invites.length > limit) throw overValidInvites(key, invites.length);
  const got: SlotOccupant[] = [];
  for (let round = 0; round < SLOT_ROUNDS && got.length < invites.length; round++) {
    const free = await findFreeSlots(deps, scope, limit, invites.length - got.length, new Set(got.map((g) => g.slot)));
    if (free.length === 0) break;
    const wanted = invites.slice(got.length, got.length + free.length).map((invite, i) => ({
      slot: free[i]!,
      token: invite.token,
      nonce: nonce(),
      expiresAt: invite.expiresAt,
    }));
    const won = new Set(await deps.quotas.occupy(scope, wanted));
    got.push(...wanted.filter((w) => won.has(w.slot)));
  }
  if (got.length < invites.length) {
    await Promise.all(got.map((g) => deps.quotas.release(scope, g.slot, g.nonce, g.expiresAt)));
    throw overValidInvites(key, invites.length);
  }
  return got.map((g) => ({ scope, slot: g.slot, nonce: g.nonce }));
}

/** Gives an invite's slot back (revoked, used up, or never stored). Idempotent. */
export async function releaseSlot(deps: QuotaDeps, invite: Pick<InviteRecord, 'quota' | 'expiresAt'>): Promise<void> {
  if (invite.quota) await deps.quotas.release(invite.quota.scope, invite.quota.slot, invite.quota.nonce, invite.expiresAt);
}

/** Whether the invite still holds its slot. */
export async function holdsSlot(deps: QuotaDeps, invite: Pick<InviteRecord, 'quota'>): Promise<boolean> {
  if (!invite.quota) return false;
  return (await deps.quotas.occupant(invite.quota.scope, invite.quota.slot))?.nonce === invite.quota.nonce;
}

/**
 * Takes `count` of the host's per-user quota for invites made on behalf of `inviter` (fixed
 * periods counted from the Unix epoch); nothing to take without an inviter or a quota.
 */
export async function takeUserInvites(
  deps: QuotaDeps,
  host: HostConfig,
  inviter: string | undefined,
  count: number,
): Promise<() => Promise<void>> {
  const quota = host.userInviteQuota;
  if (!quota || !inviter) return async () => {};
  const periodMs = quota.periodSeconds * 1000;
  const now = deps.now().getTime();
  const window = Math.floor(now / periodMs);
  const until = new Date((window + 1) * periodMs);
  const scope = `user:${host.name}:${inviter}:${window}`;
  const refuse = () => {
    const retryAfterSeconds = Math.max(1, Math.ceil((until.getTime() - now) / 1000));
    return new DomainError(
      'resource_exhausted',
      `${inviter} may create ${quota.count} invites per ${formatDurationSeconds(quota.periodSeconds)} on ${host.name}` +
        `${count > 1 ? ` (${count} asked at once, none created)` : ''}: try again in ${formatDurationSeconds(retryAfterSeconds)}`,
      retryAfterSeconds,
    );
  };
  if (count > quota.count) throw refuse();
  const taken: number[] = [];
  for (let i = 0; i < count; i++) {
    const unit = await deps.quotas.takeUnit(scope, quota.count, until);
    if (unit === undefined) {
      await Promise.all(taken.map((u) => deps.quotas.giveUnit(scope, u)));
      throw refuse();
    }
    taken.push(unit);
  }
  return async () => void (await Promise.all(taken.map((u) => deps.quotas.giveUnit(scope, u))));
}
