import type { HostConfig } from '../config/config.js';
import { generateApiKey, isKeyId, KEY_SECRET_BYTES } from '../domain/api-key.js';
import { DomainError } from '../domain/errors.js';
import { MAX_INVITE_USES } from '../domain/invite-options.js';
import { firstUnsafeCharacter } from '../domain/unsafe-characters.js';
import { configuredHost } from './configured-host.js';
import { randomToken } from '../domain/random-token.js';
import { hashSecret } from '../domain/secret-hash.js';
import type { KeyRecord, KeyUsage } from '../domain/key.js';
import type { KeyStore } from '../store/store.js';
import { StoreConflict } from '../store/store.js';
import { adminOnly, type AdminAuthenticator, type AdminOnly } from './admin-authenticator.js';
import { ADMIN_ACTOR, type AuditLog } from './audit-log.js';
import type { KeyLookup } from './key-lookup.js';
import { keyEvent, withEvent, type ChangeEvents, type KeyEventType } from './webhook-events.js';

export const MAX_KEY_NAME_LENGTH = 200;
export const MAX_KEY_LIFETIME_SECONDS = 3650 * 86400;
export const MAX_KEY_RATE_LIMIT_PER_MINUTE = 100_000;

export interface KeyAdminServiceDeps {
  /** Who may call it. */
  admin: AdminAuthenticator;
  keys: KeyStore;
  keyLookup: Pick<KeyLookup, 'invalidate'>;
  hosts: ReadonlyMap<string, HostConfig>;
  now: () => Date;
  audit: AuditLog;
  /** Use figures summed over every instance, and forgetting a deleted key's. */
  usage: { totals(keyIds: readonly string[]): Promise<Map<string, KeyUsage>>; forget(keyId: string): Promise<void> };
  /** The invites-per-minute limit of keys without their own. */
  defaultRateLimitPerMinute: number;
  /** The webhook outbox: events are written with the changes they describe. */
  events?: ChangeEvents;
}

export interface CreateKeyOptions {
  /** Seconds from now until the key stops working; undefined: never. */
  expiresInSeconds?: number;
  /** Invites per minute; undefined or 0: the server's default. */
  rateLimitPerMinute?: number;
  /** The key's ceilings (key-ceilings.ts); undefined or 0: none. */
  maxValidInvites?: number;
  maxUsesCeiling?: number;
  maxTtlSeconds?: number;
}

/** UpdateKey's changes: a number sets a limit (0 removes it), undefined leaves it. */
export type KeyLimitsUpdate = Pick<CreateKeyOptions, 'rateLimitPerMinute' | 'maxValidInvites' | 'maxUsesCeiling' | 'maxTtlSeconds'>;

/** A key as the admin sees it: its record, its effective limit and its use so far. */
export interface KeyDescription extends KeyRecord {
  effectiveRateLimitPerMinute: number;
  useCount: number;
  lastUsedAt: Date | undefined;
}

/** The key operations; the service (KeyAdminService) takes the admin token first in each. */
export interface KeyOperations {
  /** Returns the stored record and the full key `ID/SECRET`, which is never available again. */
  createKey(host: string, name: string, options?: CreateKeyOptions): Promise<{ key: KeyDescription; fullKey: string }>;
  listKeys(host: string): Promise<KeyDescription[]>;
  deleteKey(host: string, id: string): Promise<void>;
  disableKey(host: string, id: string): Promise<KeyDescription>;
  enableKey(host: string, id: string): Promise<KeyDescription>;
  /** A new secret for the same id; the old one stops working. Returns the new full key. */
  rotateKey(host: string, id: string): Promise<{ key: KeyDescription; fullKey: string }>;
  /** Changes a key's limits (rate limit, ceilings); takes effect on new requests. */
  updateKey(host: string, id: string, limits: KeyLimitsUpdate): Promise<KeyDescription>;
}

/** Only the admin: every operation takes the presented credential first. */
export type KeyAdminService = AdminOnly<KeyOperations>;

const keyNotFound = () => new DomainError('not_found', 'key not found');

export function createKeyAdminService(deps: KeyAdminServiceDeps): KeyAdminService {
  return adminOnly(deps.admin, keyOperations(deps));
}

export const MAX_KEY_VALID_INVITES = 1_000_000;

/** Refuses a ceiling a key cannot have, naming it. */
function checkLimits({ rateLimitPerMinute, maxValidInvites, maxUsesCeiling, maxTtlSeconds }: KeyLimitsUpdate): void {
  const within = (field: string, value: number | undefined, max: number, zero: string) => {
    if (value !== undefined && !(Number.isInteger(value) && value >= 0 && value <= max)) {
      throw new DomainError('invalid_argument', `${field} must be between 1 and ${max} (0 for ${zero})`);
    }
  };
  within('rate_limit_per_minute', rateLimitPerMinute, MAX_KEY_RATE_LIMIT_PER_MINUTE, "the server's default");
  within('max_valid_invites', maxValidInvites, MAX_KEY_VALID_INVITES, 'no ceiling');
  within('max_uses_ceiling', maxUsesCeiling, MAX_INVITE_USES, 'no ceiling');
  within('max_ttl_seconds', maxTtlSeconds, MAX_KEY_LIFETIME_SECONDS, "the host's maximum");
}

/** Refuses a name or option a key cannot have, naming it. */
function checkNewKey(name: string, { expiresInSeconds, ...limits }: CreateKeyOptions): void {
  if (name.length > MAX_KEY_NAME_LENGTH) {
    throw new DomainError('invalid_argument', `name is too long: at most ${MAX_KEY_NAME_LENGTH} characters`);
  }
  const unsafe = firstUnsafeCharacter(name, { joinersAllowed: true });
  if (unsafe) {
    throw new DomainError(
      'invalid_argument',
      `name must not contain control characters or format characters such as newlines, tabs, ` +
        `U+202E (right-to-left override) or U+200B (zero-width space): found ${unsafe}`,
    );
  }
  if (expiresInSeconds !== undefined && !(expiresInSeconds >= 1 && expiresInSeconds <= MAX_KEY_LIFETIME_SECONDS)) {
    throw new DomainError('invalid_argument', `expires_in must be between 1 second and ${MAX_KEY_LIFETIME_SECONDS / 86400} days`);
  }
  checkLimits(limits);
}

/** Stores a key with a fresh id and secret; a taken id (never seen in practice) draws again. */
async function insertNewKey(
  deps: KeyAdminServiceDeps,
  host: HostConfig,
  name: string,
  options: CreateKeyOptions,
): Promise<{ key: KeyRecord; fullKey: string }> {
  const { expiresInSeconds, rateLimitPerMinute } = options;
  for (let attempt = 0; ; attempt++) {
    const generated = generateApiKey();
    const createdAt = deps.now();
    const key: KeyRecord = {
      id: generated.id,
      host: host.name,
      name: name.trim(),
      secretHash: hashSecret(generated.secret),
      createdAt,
      expiresAt: expiresInSeconds !== undefined ? new Date(createdAt.getTime() + Math.round(expiresInSeconds * 1000)) : undefined,
      disabled: false,
      rateLimitPerMinute: rateLimitPerMinute || undefined,
      maxValidInvites: options.maxValidInvites || undefined,
      maxUsesCeiling: options.maxUsesCeiling || undefined,
      maxTtlSeconds: options.maxTtlSeconds || undefined,
    };
    try {
      await withEvent(deps.events, keyEvent('key.created', key, createdAt, ADMIN_ACTOR), () => deps.keys.insert(key));
      return { key, fullKey: generated.full };
    } catch (err) {
      if (!(err instanceof StoreConflict) || attempt >= 2) throw err;
    }
  }
}

/** What the admin sees of `key`: its limit with the default filled in, and its use (none if unknown). */
function describeKey(key: KeyRecord, defaultRateLimitPerMinute: number, usage?: KeyUsage): KeyDescription {
  return {
    ...key,
    effectiveRateLimitPerMinute: key.rateLimitPerMinute ?? defaultRateLimitPerMinute,
    useCount: usage?.count ?? 0,
    lastUsedAt: usage?.lastUsedAt,
  };
}

function keyOperations(deps: KeyAdminServiceDeps): KeyOperations {
  const hostNamed = (host: string): HostConfig => configuredHost(deps.hosts, host);
  const describe = (key: KeyRecord, usage?: KeyUsage) => describeKey(key, deps.defaultRateLimitPerMinute, usage);
  const describeWithUsage = async (key: KeyRecord) => describe(key, (await deps.usage.totals([key.id])).get(key.id));
  const audit = (
    action: 'key_created' | 'key_deleted' | 'key_disabled' | 'key_enabled' | 'key_rotated' | 'key_updated',
    key: { host: string; id: string },
    at?: Date,
  ) => deps.audit.record({ action, actor: ADMIN_ACTOR, host: key.host, keyId: key.id, at });
  const setDisabled = async (hostName: string, id: string, disabled: boolean) => {
    const host = hostNamed(hostName);
    if (!isKeyId(id)) throw keyNotFound();
    const type: KeyEventType = disabled ? 'key.disabled' : 'key.enabled';
    const event = keyEvent(type, { host: host.name, id }, deps.now(), ADMIN_ACTOR);
    const key = await withEvent(
      deps.events,
      event,
      () => deps.keys.setDisabled(host.name, id, disabled),
      (k) => k !== undefined,
    );
    deps.keyLookup.invalidate(id);
    if (!key) throw keyNotFound();
    await audit(disabled ? 'key_disabled' : 'key_enabled', key);
    return describeWithUsage(key);
  };

  return {
    async createKey(hostName, name, options = {}) {
      const host = hostNamed(hostName);
      checkNewKey(name, options);
      const { key, fullKey } = await insertNewKey(deps, host, name, options);
      // A negative entry cached for this id (someone tried it before) must not hide the new key.
      deps.keyLookup.invalidate(key.id);
      await audit('key_created', key, key.createdAt);
      return { key: describe(key), fullKey };
    },
    async listKeys(hostName) {
      const keys = await deps.keys.listByHost(hostNamed(hostName).name);
      const usage = await deps.usage.totals(keys.map((k) => k.id));
      return keys.map((k) => describe(k, usage.get(k.id)));
    },
    async deleteKey(hostName, id) {
      const host = hostNamed(hostName);
      if (!isKeyId(id)) throw keyNotFound();
      const event = keyEvent('key.deleted', { host: host.name, id }, deps.now(), ADMIN_ACTOR);
      const deleted = await withEvent(
        deps.events,
        event,
        () => deps.keys.delete(host.name, id),
        (d) => d,
      );
      deps.keyLookup.invalidate(id);
      if (!deleted) throw keyNotFound();
      await audit('key_deleted', { host: host.name, id });
      await deps.usage.forget(id);
    },
    disableKey: (host, id) => setDisabled(host, id, true),
    enableKey: (host, id) => setDisabled(host, id, false),
    async rotateKey(hostName, id) {
      const host = hostNamed(hostName);
      if (!isKeyId(id)) throw keyNotFound();
      const secret = randomToken(KEY_SECRET_BYTES);
      const at = deps.now();
      const event = keyEvent('key.rotated', { host: host.name, id }, at, ADMIN_ACTOR);
      const key = await withEvent(
        deps.events,
        event,
        () => deps.keys.replaceSecret(host.name, id, hashSecret(secret), at),
        (k) => k !== undefined,
      );
      deps.keyLookup.invalidate(id);
      if (!key) throw keyNotFound();
      await audit('key_rotated', key, key.rotatedAt);
      return { key: await describeWithUsage(key), fullKey: `${id}/${secret}` };
    },
    async updateKey(hostName, id, limits) {
      const host = hostNamed(hostName);
      checkLimits(limits);
      if (!isKeyId(id)) throw keyNotFound();
      const change = Object.fromEntries(
        Object.entries(limits)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, v === 0 ? null : v]),
      );
      const key = await deps.keys.setLimits(host.name, id, change);
      deps.keyLookup.invalidate(id);
      if (!key) throw keyNotFound();
      await audit('key_updated', key);
      return describeWithUsage(key);
    },
  };
}
