import type { Config } from '../config/config.js';
import { createAdminAuthenticator, type AdminAuthenticator } from '../service/admin-authenticator.js';
import { createAuditLog, type AuditLog } from '../service/audit-log.js';
import { createAuditService, type AuditService } from '../service/audit-service.js';
import { createAuthFailureGuard, type AuthFailureGuard } from '../service/auth-failure-guard.js';
import { createCallerAuthenticator } from '../service/caller-authenticator.js';
import { createInviteService, type InviteService } from '../service/invite-service.js';
import { createKeyAdminService, type KeyAdminService } from '../service/key-admin-service.js';
import { createKeyAuthenticator } from '../service/key-authenticator.js';
import { createCachedKeyLookup } from '../service/key-lookup.js';
import { createKeyRateLimit, KEY_RATE_KIND } from '../service/key-rate-limit.js';
import { createPublicReadLimit } from '../service/public-read-limit.js';
import { startSharedRateLimiter, type SharedRateLimiter } from '../service/shared-rate-limiter.js';
import { startUsageRecorder, type UsageRecorder } from '../service/usage-recorder.js';
import type { Store } from '../store/store.js';
import { createWebhookAdminService, type WebhookAdminService } from '../service/webhook-admin-service.js';
import { startWebhookDispatcher, type WebhookDispatcher } from '../service/webhook-dispatcher.js';
import { createChangeEvents } from '../service/webhook-events.js';
import { createIntentResolver } from '../service/webhook-intents.js';
import { secretBox } from '../service/webhook-secret.js';
import type { DeliveryRecord } from '../domain/webhook.js';
import { serverVersion } from './server-version.js';

export interface Services {
  invites: InviteService;
  keyAdmin: KeyAdminService;
  audit: AuditService;
  webhooks: WebhookAdminService;
  webhookDispatcher: WebhookDispatcher;
  adminAuthenticator: AdminAuthenticator;
  authFailureGuard: AuthFailureGuard;
  auditLog: AuditLog;
  rateLimiter: SharedRateLimiter;
  usage: UsageRecorder;
  /** Writes this instance's counters now (usage, rate limits) and reads the others'. */
  syncCounters(): Promise<void>;
  /** Stops the background work after writing what is counted. */
  stop(): Promise<void>;
}

export interface BuildServicesOptions {
  store: Store;
  config: Pick<
    Config,
    | 'hosts'
    | 'keyRateLimitPerMinute'
    | 'authFailuresPerMinute'
    | 'publicReadsPerMinute'
    | 'rateLimitSyncMs'
    | 'usageFlushMs'
    | 'holdTtlSeconds'
    | 'webhookAllowPrivateAddresses'
    | 'webhookTimeoutMs'
    | 'webhookRetryBaseMs'
    | 'webhookRetryMaxDelayMs'
    | 'webhookGiveUpAfterSeconds'
    | 'webhookPollMs'
  >;
  adminToken: string;
  now: () => Date;
  /** This server process, among those sharing the database. */
  instanceId: string;
  /** Background writes that failed (they are retried). */
  onBackgroundError: (err: unknown) => void;
  /** Told of webhook deliveries (metrics). */
  webhookObserver?: {
    delivered(d: DeliveryRecord): void;
    failed(d: DeliveryRecord): void;
    backlog(count: number, oldestAgeSeconds: number): void;
  };
}

/** The counters shared with the other instances through the database: key use and rate limits. */
function startCounters({ store, config, now, instanceId, onBackgroundError }: BuildServicesOptions) {
  const usage = startUsageRecorder({
    store: store.keyUsage,
    instanceId,
    flushIntervalMs: config.usageFlushMs,
    onError: onBackgroundError,
  });
  const rateLimiter = startSharedRateLimiter({
    store: store.rateCounters,
    instanceId,
    windowMs: 60_000,
    syncIntervalMs: config.rateLimitSyncMs,
    readAllOfKinds: [KEY_RATE_KIND],
    maxScopes: 100_000,
    now: () => now().getTime(),
    onError: onBackgroundError,
  });
  return { usage, rateLimiter };
}

/** The services of one server instance over a store, with their background counters. */
export function buildServices(options: BuildServicesOptions): Services {
  const { store, config, now } = options;
  const { usage, rateLimiter } = startCounters(options);
  const authFailureGuard = createAuthFailureGuard({ limiter: rateLimiter, failuresPerMinute: config.authFailuresPerMinute });
  const keyLookup = createCachedKeyLookup(store.keys);
  const keyAuthenticator = createKeyAuthenticator(keyLookup, { now, usage });
  const adminAuthenticator = createAdminAuthenticator(options.adminToken);
  const auditLog = createAuditLog({ store: store.audit, now });
  const callers = createCallerAuthenticator(keyAuthenticator, adminAuthenticator);
  const events = createChangeEvents({ store: store.webhooks, now });
  const secrets = secretBox(options.adminToken);
  const invites = createInviteService({
    invites: store.invites,
    holds: store.holds,
    quotas: store.quotas,
    holdTtlSeconds: config.holdTtlSeconds,
    callers,
    hosts: config.hosts,
    now,
    keyRateLimit: createKeyRateLimit({ limiter: rateLimiter, defaultPerMinute: config.keyRateLimitPerMinute }),
    publicReadLimit: createPublicReadLimit({ limiter: rateLimiter, perMinute: config.publicReadsPerMinute }),
    audit: auditLog,
    events,
  });
  const keyAdmin = createKeyAdminService({
    admin: adminAuthenticator,
    keys: store.keys,
    keyLookup,
    hosts: config.hosts,
    now,
    audit: auditLog,
    usage,
    defaultRateLimitPerMinute: config.keyRateLimitPerMinute,
    events,
  });
  const observer = options.webhookObserver;
  const webhookDispatcher = startWebhookDispatcher({
    store: store.webhooks,
    invites: store.invites,
    events,
    resolveIntent: createIntentResolver({ invites: store.invites, keys: store.keys }),
    secrets,
    audit: auditLog,
    instanceId: options.instanceId,
    now,
    settings: {
      pollMs: config.webhookPollMs,
      timeoutMs: config.webhookTimeoutMs,
      retryBaseMs: config.webhookRetryBaseMs,
      retryMaxDelayMs: config.webhookRetryMaxDelayMs,
      giveUpAfterMs: config.webhookGiveUpAfterSeconds * 1000,
      allowPrivateAddresses: config.webhookAllowPrivateAddresses,
    },
    userAgent: `invites/${serverVersion()} (webhooks)`,
    onDelivered: observer?.delivered,
    onFailed: observer?.failed,
    onBacklog: observer?.backlog,
    onError: options.onBackgroundError,
  });
  events.onPending = () => webhookDispatcher.wake();
  return {
    invites,
    keyAdmin,
    audit: createAuditService({ admin: adminAuthenticator, audit: store.audit, invites: store.invites, hosts: config.hosts }),
    webhooks: createWebhookAdminService({
      admin: adminAuthenticator,
      store: store.webhooks,
      hosts: config.hosts,
      secrets,
      events,
      audit: auditLog,
      now,
      allowPrivateAddresses: config.webhookAllowPrivateAddresses,
    }),
    webhookDispatcher,
    adminAuthenticator,
    authFailureGuard,
    auditLog,
    rateLimiter,
    usage,
    async syncCounters() {
      await Promise.all([usage.flush(), rateLimiter.sync()]);
    },
    async stop() {
      const results = await Promise.allSettled([usage.stop(), rateLimiter.stop(), webhookDispatcher.stop()]);
      for (const r of results) if (r.status === 'rejected') options.onBackgroundError(r.reason);
    },
  };
}
