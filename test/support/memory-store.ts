import type { AuditRecord } from '../../server/domain/audit.js';
import type { InviteRecord, InviteUsage, RedemptionRecord } from '../../server/domain/invite.js';
import { sumKeyUsage, type KeyRecord, type KeyUsageFigures } from '../../server/domain/key.js';
import type { InviteCursor, InviteListQuery, RateCount, SlotOccupant, Store, TimeRangeQuery } from '../../server/store/store.js';
import { StoreConflict } from '../../server/store/store.js';
import { memoryWebhookStore } from './memory-webhook-store.js';
import { isRedemptionClaim, memoryInviteHolds, type MemoryClaim } from './memory-invite-holds.js';

/**
 * A Store in process memory, for service tests that should not need a database.
 * It honours the same contract as the Mongo store (the store contract tests run on both).
 */
export function createMemoryStore(): Store {
  const keys = new Map<string, KeyRecord>();
  const invites = new Map<string, InviteRecord>();
  // Use claims by `token:use`: a redemption, `void` when a revocation took the use, or a hold.
  const claims = new Map<string, MemoryClaim>();
  const revocations = new Map<string, Date>();
  const edits = new Map<string, Date>();
  // Quota slots by `scope:slot`, releases by `scope:slot:nonce`, units by `scope:unit:n`.
  const slots = new Map<string, SlotOccupant>();
  const releases = new Set<string>();
  const units = new Set<string>();
  const holds = memoryInviteHolds(claims, revocations);
  const copy = <T extends object>(v: T): T => ({ ...v });
  const copyInvite = (i: InviteRecord): InviteRecord => ({
    ...i,
    roles: [...i.roles],
    groups: [...i.groups],
    ...(i.quota ? { quota: { ...i.quota } } : {}),
  });
  const usage = new Map<string, KeyUsageFigures>();
  const rateCounts = new Map<string, RateCount & { instanceId: string; expiresAt: Date }>();
  const audit: AuditRecord[] = [];
  const inRange = (q: TimeRangeQuery) => (e: { host: string; at: Date }) => q.hosts.includes(e.host) && (!q.since || e.at >= q.since);
  const updateKey = (host: string, id: string, change: Partial<KeyRecord>) => {
    const k = keys.get(id);
    if (k?.host !== host) return undefined;
    Object.assign(k, change);
    return copy(k);
  };
  return {
    holds,
    quotas: {
      async occupants(scope, asked) {
        const result = new Map<number, SlotOccupant>();
        for (const slot of asked) {
          const o = slots.get(`${scope}:${slot}`);
          if (o) result.set(slot, copy(o));
        }
        return result;
      },
      async occupy(scope, occupants) {
        const won: number[] = [];
        for (const o of occupants) {
          if (slots.has(`${scope}:${o.slot}`)) continue;
          slots.set(`${scope}:${o.slot}`, copy(o));
          won.push(o.slot);
        }
        return won;
      },
      async release(scope, slot, nonce) {
        const id = `${scope}:${slot}:${nonce}`;
        if (releases.has(id)) return false;
        releases.add(id);
        if (slots.get(`${scope}:${slot}`)?.nonce !== nonce) return false;
        slots.delete(`${scope}:${slot}`);
        return true;
      },
      async occupant(scope, slot) {
        const o = slots.get(`${scope}:${slot}`);
        return o && copy(o);
      },
      async extend(scope, slot, nonce, expiresAt) {
        const o = slots.get(`${scope}:${slot}`);
        if (o?.nonce === nonce) o.expiresAt = expiresAt;
      },
      async takeUnit(scope, n) {
        for (let unit = 1; unit <= n; unit++) {
          if (units.has(`${scope}:unit:${unit}`)) continue;
          units.add(`${scope}:unit:${unit}`);
          return unit;
        }
        return undefined;
      },
      async giveUnit(scope, unit) {
        units.delete(`${scope}:unit:${unit}`);
      },
    },
    keys: {
      async insert(key) {
        if (keys.has(key.id)) throw new StoreConflict(`key id ${key.id} is taken`);
        keys.set(key.id, copy(key));
      },
      async findById(id) {
        const k = keys.get(id);
        return k && copy(k);
      },
      async listByHost(host) {
        return [...keys.values()]
          .filter((k) => k.host === host)
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? -1 : 1))
          .map(copy);
      },
      async delete(host, id) {
        if (keys.get(id)?.host !== host) return false;
        return keys.delete(id);
      },
      async setLimits(host, id, limits) {
        const k = keys.get(id);
        if (k?.host !== host) return undefined;
        for (const [field, value] of Object.entries(limits)) {
          if (value === null) delete (k as unknown as Record<string, unknown>)[field];
          else (k as unknown as Record<string, unknown>)[field] = value;
        }
        return copy(k);
      },
      async setDisabled(host, id, disabled) {
        return updateKey(host, id, { disabled });
      },
      async replaceSecret(host, id, secretHash, rotatedAt) {
        return updateKey(host, id, { secretHash, rotatedAt });
      },
    },
    invites: {
      async insert(invite) {
        if (invites.has(invite.token)) throw new StoreConflict('invite token is taken');
        invites.set(invite.token, copyInvite(invite));
      },
      async insertMany(batch) {
        if (batch.some((i) => invites.has(i.token))) throw new StoreConflict('invite token is taken');
        for (const i of batch) invites.set(i.token, copyInvite(i));
      },
      async update(token, { version, quota, ...fields }) {
        const i = invites.get(token);
        if (i && (i.editVersion ?? 0) < version)
          Object.assign(
            i,
            { ...fields, roles: [...fields.roles], groups: [...fields.groups], editVersion: version },
            quota ? { quota } : {},
          );
      },
      async claimEdit(token, version, at) {
        const id = `${token}:edit:${version}`;
        const earlier = edits.get(id);
        if (earlier) return { won: false, claimedAt: earlier };
        edits.set(id, at);
        return { won: true, claimedAt: at };
      },
      async capUses(token, uses) {
        const capped: number[] = [];
        const taken: number[] = [];
        for (const use of uses) {
          const claim = claims.get(`${token}:${use}`);
          if (claim === undefined) {
            claims.set(`${token}:${use}`, 'cap');
            capped.push(use);
          } else if (claim !== 'void' && claim !== 'cap') taken.push(use);
        }
        return { capped, taken };
      },
      async uncapUses(token, uses) {
        for (const use of uses) if (claims.get(`${token}:${use}`) === 'cap') claims.delete(`${token}:${use}`);
      },
      async keepClaimsUntil() {
        // Claims here live as long as their invite.
      },
      async deleteExpired(before) {
        let n = 0;
        for (const [token, i] of invites) {
          if (i.expiresAt < before && invites.delete(token)) {
            n++;
            revocations.delete(token);
            holds.forget(token);
            for (let use = 1; use <= i.maxUses; use++) claims.delete(`${token}:${use}`);
          }
        }
        return n;
      },
      async find(token) {
        const i = invites.get(token);
        return i && copyInvite(i);
      },
      async list(query: InviteListQuery, after: InviteCursor | undefined, limit: number) {
        const newestFirst = (a: InviteCursor, b: InviteCursor) =>
          b.createdAt.getTime() - a.createdAt.getTime() || (a.token < b.token ? -1 : a.token > b.token ? 1 : 0);
        return [...invites.values()]
          .filter(
            (i) =>
              (query.host === undefined || i.host === query.host) &&
              (query.keyId === undefined || i.keyId === query.keyId) &&
              (query.inviter === undefined || (i.inviter ?? '') === query.inviter) &&
              (query.expiresAfter === undefined || i.expiresAt > query.expiresAfter) &&
              (query.expiresAtOrBefore === undefined || i.expiresAt <= query.expiresAtOrBefore) &&
              (after === undefined || newestFirst(after, i) < 0),
          )
          .sort(newestFirst)
          .slice(0, limit)
          .map(copyInvite);
      },
      async claimUse(redemption) {
        const id = `${redemption.token}:${redemption.use}`;
        if (claims.has(id)) return false;
        claims.set(id, copy(redemption));
        return true;
      },
      async revoke(invite, at) {
        if (!revocations.has(invite.token)) revocations.set(invite.token, at);
        for (let use = 1; use <= invite.maxUses; use++) {
          const id = `${invite.token}:${use}`;
          if (!claims.has(id)) claims.set(id, 'void');
        }
        holds.endAllForRevocation(invite.token, at);
      },
      async usage(asked) {
        const result = new Map<string, InviteUsage>();
        for (const { token } of asked) {
          const redemptions = [...claims.values()]
            .filter((c): c is RedemptionRecord => isRedemptionClaim(c) && c.token === token)
            .sort((x, y) => x.use - y.use)
            .map(copy);
          const revokedAt = revocations.get(token);
          const running = holds.running(token);
          if (redemptions.length > 0 || revokedAt || running.length > 0) result.set(token, { redemptions, revokedAt, holds: running });
        }
        return result;
      },
      async listCreated(query) {
        return [...invites.values()]
          .filter((i) => inRange(query)({ host: i.host, at: i.createdAt }))
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
          .slice(0, query.limit)
          .map(copyInvite);
      },
    },
    async ping() {},
    async missingIndexes() {
      return [];
    },
    async close() {},
    keyUsage: {
      async write(instanceId, figures) {
        for (const f of figures) usage.set(`${f.keyId}:${instanceId}`, copy(f));
      },
      async totals(keyIds) {
        return sumKeyUsage([...usage.values()].filter((f) => keyIds.includes(f.keyId)));
      },
      async deleteKey(keyId) {
        for (const [id, f] of usage) if (f.keyId === keyId) usage.delete(id);
      },
    },
    rateCounters: {
      async write(instanceId, counts, expiresAt) {
        for (const c of counts) rateCounts.set(`${c.scope}:${c.window}:${instanceId}`, { ...c, instanceId, expiresAt });
      },
      async readOthers(instanceId, window, select) {
        const sums = new Map<string, number>();
        for (const c of rateCounts.values()) {
          if (c.instanceId === instanceId || c.window !== window) continue;
          if (!select.kinds.includes(c.kind) && !select.scopes.includes(c.scope)) continue;
          sums.set(c.scope, (sums.get(c.scope) ?? 0) + c.count);
        }
        return sums;
      },
      async deleteExpired(before) {
        let n = 0;
        for (const [id, c] of rateCounts) if (c.expiresAt < before && rateCounts.delete(id)) n++;
        return n;
      },
    },
    audit: {
      async insert(event) {
        audit.push(copy(event));
      },
      async list(query) {
        // Reversed first so that, the sort being stable, equal times come newest first too.
        return [...audit]
          .reverse()
          .filter(inRange(query))
          .sort((a, b) => b.at.getTime() - a.at.getTime())
          .slice(0, query.limit)
          .map(copy);
      },
    },
    webhooks: memoryWebhookStore(),
  };
}
