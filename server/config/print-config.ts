import { stringify as toYaml } from 'yaml';
import type { Config } from './config.js';

export const MASK = '********';

// Connection-string options whose values are secrets.
const SECRET_URI_OPTIONS = /([?&](?:tlsCertificateKeyFilePassword|authMechanismProperties|password)=)[^&]*/gi;

/** A MongoDB URI with its password (and secret options) masked; user and hosts stay readable. */
export function maskMongoUri(uri: string): string {
  return uri
    .replace(/^(mongodb(?:\+srv)?:\/\/)([^@/?#]*)@/i, (_, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      return `${scheme}${colon < 0 ? userinfo : `${userinfo.slice(0, colon)}:${MASK}`}@`;
    })
    .replace(SECRET_URI_OPTIONS, `$1${MASK}`);
}

const UNITS: Array<[string, number]> = [
  ['d', 86400],
  ['h', 3600],
  ['m', 60],
];

/** Seconds in the config file's own notation: 604800 → `7d`, 90 → `90s`. */
export function formatDuration(seconds: number): string {
  for (const [unit, size] of UNITS) if (seconds > 0 && seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}

/**
 * The effective configuration in the config file's shape (so it can be saved and edited),
 * with the admin token and database credentials masked. Unset optional settings are left out.
 */
export function printableConfig(config: Config): Record<string, unknown> {
  return {
    port: config.port,
    bindAddress: config.bindAddress,
    ...(config.mongodbUri !== undefined ? { mongodbUri: maskMongoUri(config.mongodbUri) } : {}),
    mongodbDatabase: config.mongodbDatabase,
    dataDir: config.dataDir,
    ...(config.adminToken !== undefined ? { adminToken: MASK } : {}),
    hosts: [...config.hosts.values()].map((h) => ({
      name: h.name,
      publicBaseUrl: h.publicBaseUrl,
      inviteTtl: formatDuration(h.inviteTtlSeconds),
      maxInviteTtl: formatDuration(h.maxInviteTtlSeconds),
      landingPage: h.landingPageTemplate,
    })),
    inviteTtl: formatDuration(config.inviteTtlSeconds),
    maxInviteTtl: formatDuration(config.maxInviteTtlSeconds),
    expiredInviteRetention: formatDuration(config.expiredInviteRetentionSeconds),
    logLevel: config.logLevel,
    shutdownTimeout: formatDuration(config.shutdownTimeoutSeconds),
    healthCheckInterval: formatDuration(config.healthCheckIntervalSeconds),
    metrics: config.metricsEnabled,
    keyRateLimit: config.keyRateLimitPerMinute,
    authFailureLimit: config.authFailuresPerMinute,
    trustedProxies: config.trustedProxies,
    databaseTimeout: `${config.databaseTimeoutMs}ms`,
    rateLimitSync: `${config.rateLimitSyncMs}ms`,
    usageFlush: `${config.usageFlushMs}ms`,
  };
}

export function formatConfig(config: Config, format: 'yaml' | 'json'): string {
  const printable = printableConfig(config);
  return format === 'json' ? `${JSON.stringify(printable, null, 2)}\n` : toYaml(printable);
}
