/** UpdateInvite: changing an invite's expiry, max_uses, note, roles and groups after it was created. */
import type { HostConfig } from '../config/config.js';
import { DomainError } from '../domain/errors.js';
import type { InviteRecord } from '../domain/invite.js';
import { validateInviteOptions } from '../domain/invite-options.js';
import type { InviteHoldStore } from '../store/invite-hold-store.js';
import type { InviteChange, InviteStore } from '../store/store.js';
import { callerActor, type AuditLog } from './audit-log.js';
import type { Caller } from './caller-authenticator.js';
import { checkKeyCeilings } from './key-ceilings.js';
import { inviteNotFound, type InviteLookup } from './invite-lookup.js';
import { holdsSlot, releaseSlot, takeValidInviteSlots, type QuotaDeps } from './invite-quotas.js';
import type { Invite } from './invite-view.js';

/** What to change; an absent field keeps its value. */
export interface UpdateInviteRequest {
  token: string;
  /** With the admin token: the invite's host, checked when given. */
  host?: string | undefined;
  /** New lifetime from now. */
  ttlSeconds?: number | undefined;
  maxUses?: number | undefined;
  note?: string | undefined;
  roles?: readonly string[] | undefined;
  groups?: readonly string[] | undefined;
}

/** An edit claimed this long ago and never written is taken to have died: the next edit skips its number. */
export const STALE_EDIT_MS = 30_000;
/** How long an edit waits for a concurrent one of the same invite before giving up. */
const EDIT_WAIT_MS = 2_000;
const EDIT_POLL_MS = 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
const busy = () => new DomainError('unavailable', 'the invite is being changed by another request: try again', 1);

interface UpdateDeps extends QuotaDeps {
  invites: InviteStore;
  /** A lapsed hold above a lowered max_uses is given back rather than counted as taken. */
  holds: InviteHoldStore;
  hosts: ReadonlyMap<string, HostConfig>;
  now: () => Date;
  audit?: AuditLog;
  lookup: InviteLookup;
}

/** The invite's new state, validated against the host's limits and the calling key's ceilings. */
function nextState(deps: UpdateDeps, caller: Caller, record: InviteRecord, request: UpdateInviteRequest, now: Date) {
  const host = deps.hosts.get(record.host);
  if (!host) throw new DomainError('failed_precondition', `host "${record.host}" of this invite is no longer configured on the server`);
  const options = validateInviteOptions(
    {
      ttlSeconds: request.ttlSeconds,
      maxUses: request.maxUses ?? record.maxUses,
      note: request.note ?? record.note,
      roles: request.roles ?? record.roles,
      groups: request.groups ?? record.groups,
    },
    host,
  );
  if (caller.kind === 'key') checkKeyCeilings(caller.key, { ttlSeconds: request.ttlSeconds, maxUses: request.maxUses });
  const expiresAt = request.ttlSeconds === undefined ? record.expiresAt : new Date(now.getTime() + options.ttlSeconds * 1000);
  return { expiresAt, maxUses: options.maxUses, note: options.note, roles: options.roles, groups: options.groups };
}

/** Claims the next edit number of the invite; re-reads it while another edit is being written. */
async function claimNextEdit(deps: UpdateDeps, token: string): Promise<{ record: InviteRecord; version: number }> {
  const deadline = Date.now() + EDIT_WAIT_MS;
  for (;;) {
    const record = await deps.lookup.find(token);
    let version = (record.editVersion ?? 0) + 1;
    for (;;) {
      const now = deps.now();
      const claim = await deps.invites.claimEdit(token, version, now, record.expiresAt);
      if (claim.won) return { record, version };
      // An edit that claimed its number and died before writing would block every later one.
      if (now.getTime() - claim.claimedAt.getTime() > STALE_EDIT_MS) version++;
      else break;
    }
    if (Date.now() > deadline) throw busy();
    await sleep(EDIT_POLL_MS);
  }
}

/**
 * Changes an invite. Edits of one invite are serialised by claiming edit numbers (an insert
 * each); lowering max_uses caps the uses above the new maximum (inserts under the uses' own
 * keys) before the new maximum is written, so a redeem still working with the old one cannot
 * take them. See docs/invite-management.md.
 */
export async function updateInviteFor(deps: UpdateDeps, caller: Caller, request: UpdateInviteRequest): Promise<Invite> {
  const first = await deps.lookup.find(request.token);
  // As for revocation: to anyone but its creator and the operator, another's invite does not exist.
  if (caller.kind === 'key' && first.keyId !== caller.key.id) throw inviteNotFound();
  if (request.host && request.host.toLowerCase() !== first.host) throw inviteNotFound();
  const fields = [request.ttlSeconds, request.maxUses, request.note, request.roles, request.groups];
  // Nothing to change: no edit, no audit event.
  if (fields.every((f) => f === undefined)) return deps.lookup.describeOne(first);
  // Everything that can be refused without the database first.
  nextState(deps, caller, first, request, deps.now());
  await checkEditable(deps, first, request.maxUses ?? first.maxUses);

  const { record, version } = await claimNextEdit(deps, request.token);
  const startedAt = deps.now();
  const state: Omit<InviteChange, 'version'> = nextState(deps, caller, record, request, startedAt);
  const unchanged: InviteChange = { version, ...pick(record) };
  const oldMax = record.maxUses;
  let redeemed = 0;
  try {
    redeemed = (await checkEditable(deps, record, state.maxUses)).redemptions.length;
    // So late that a later edit may have taken this one for dead and skipped its number.
    if (deps.now().getTime() - startedAt.getTime() > STALE_EDIT_MS / 2) throw busy();
    // A used-up invite made valid again counts against its key's max_valid_invites once more.
    if (caller.kind === 'key' && record.quota && state.maxUses > redeemed && !(await holdsSlot(deps, record))) {
      state.quota = (await takeValidInviteSlots(deps, caller.key, [{ token: record.token, expiresAt: state.expiresAt }]))?.[0];
    }
    if (state.maxUses < oldMax) {
      const caps = await capAbove(deps, record, state.maxUses, startedAt);
      if (caps.taken.length > 0) {
        await deps.invites.uncapUses(record.token, caps.capped);
        throw belowUses(state.maxUses, (await deps.lookup.describeOne(record)).redemptions.length, caps.taken);
      }
    } else if (state.maxUses > oldMax) {
      await deps.invites.uncapUses(record.token, range(oldMax + 1, state.maxUses));
    }
  } catch (err) {
    // The edit number is spent: write it unchanged so the next edit does not wait for it.
    await deps.invites.update(record.token, unchanged);
    if (state.quota) await releaseSlot(deps, { quota: state.quota, expiresAt: state.expiresAt });
    throw err;
  }
  await deps.invites.update(record.token, { version, ...state });
  const quota = state.quota ?? record.quota;
  if (quota && state.expiresAt.getTime() !== record.expiresAt.getTime()) {
    await deps.quotas.extend(quota.scope, quota.slot, quota.nonce, state.expiresAt);
  }
  if (quota && redeemed >= state.maxUses) await releaseSlot(deps, { quota, expiresAt: state.expiresAt });
  // Claims are removed with their invite: they must live as long as its new expiry.
  if (state.expiresAt > record.expiresAt) {
    await deps.invites.keepClaimsUntil({ token: record.token, editVersion: version }, Math.max(oldMax, state.maxUses), state.expiresAt);
  }
  await deps.audit?.record({
    action: 'invite_updated',
    actor: callerActor(caller),
    host: record.host,
    keyId: record.keyId,
    inviteToken: record.token,
  });
  return deps.lookup.describeOne({ ...record, ...state, quota, editVersion: version });
}

/** Caps the uses of `record` above `maxUses`; a use held by a lapsed hold is reclaimed and capped too. */
async function capAbove(deps: UpdateDeps, record: InviteRecord, maxUses: number, at: Date) {
  const caps = await deps.invites.capUses(record.token, range(maxUses + 1, record.maxUses), at, record.expiresAt);
  const freed: number[] = [];
  for (const use of caps.taken) if (await deps.holds.reclaim(record.token, use, at)) freed.push(use);
  if (freed.length === 0) return caps;
  const again = await deps.invites.capUses(record.token, freed, at, record.expiresAt);
  return { capped: [...caps.capped, ...again.capped], taken: [...caps.taken.filter((u) => !freed.includes(u)), ...again.taken] };
}

const pick = (r: InviteRecord) => ({ expiresAt: r.expiresAt, maxUses: r.maxUses, note: r.note, roles: r.roles, groups: r.groups });

function belowUses(maxUses: number, redeemed: number, taken: readonly number[]) {
  return new DomainError(
    'failed_precondition',
    `max_uses cannot be lowered to ${maxUses}: ${redeemed} uses are redeemed and use${taken.length > 1 ? 's' : ''} ` +
      `${taken.join(', ')} above it ${taken.length > 1 ? 'are' : 'is'} already taken (redeemed or held)`,
  );
}

/** Revoked and expired invites stay as they are; max_uses never goes below the uses taken. Answers the invite now. */
async function checkEditable(deps: UpdateDeps, record: InviteRecord, maxUses: number): Promise<Invite> {
  const now = await deps.lookup.describeOne(record);
  if (now.status === 'revoked' || now.status === 'expired') {
    throw new DomainError('failed_precondition', `invite ${now.status}: a ${now.status} invite cannot be changed`);
  }
  const taken = now.redemptions.length + now.holds.length;
  if (maxUses < taken) {
    throw new DomainError(
      'failed_precondition',
      `max_uses cannot be lowered to ${maxUses}: ${taken} uses are already taken ` +
        `(${now.redemptions.length} redeemed, ${now.holds.length} held)`,
    );
  }
  return now;
}
