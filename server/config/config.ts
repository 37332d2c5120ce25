import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import proxyAddr from 'proxy-addr';
import { parseDurationMillis, parseDurationSeconds } from '../domain/duration.js';

export interface HostConfig {
  /** The XMPP domain, e.g. `example.com`. */
  name: string;
  /** Where the landing pages live, without a trailing slash. */
  publicBaseUrl: string;
  inviteTtlSeconds: number;
  /** The longest lifetime a CreateInvite may ask for; longer is refused, not shortened. */
  maxInviteTtlSeconds: number;
  /** Landing page URL with `{token}` and `{host}` placeholders. */
  landingPageTemplate: string;
}

export interface Config {
  port: number;
  bindAddress: string;
  /** Unset: run on the embedded engine. */
  mongodbUri: string | undefined;
  mongodbDatabase: string;
  dataDir: string;
  adminToken: string | undefined;
  hosts: ReadonlyMap<string, HostConfig>;
  /** The invite lifetime of hosts without their own. */
  inviteTtlSeconds: number;
  /** The longest invite lifetime of hosts without their own maximum. */
  maxInviteTtlSeconds: number;
  /** How long expired invites are kept (so a landing page can still say "expired"). */
  expiredInviteRetentionSeconds: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  shutdownTimeoutSeconds: number;
  /** How often the database is pinged for health, readiness and the round-trip metric. */
  healthCheckIntervalSeconds: number;
  /** Serve Prometheus metrics at GET /metrics. */
  metricsEnabled: boolean;
  /** Invites per minute per key, for keys without their own limit. */
  keyRateLimitPerMinute: number;
  /** Refused credentials per minute per client address before it is refused outright. */
  authFailuresPerMinute: number;
  /** Proxies whose X-Forwarded-For is believed (addresses, CIDRs, `loopback`, ...). */
  trustedProxies: string[];
  /** How long a request waits for an unreachable database before it fails (503). */
  databaseTimeoutMs: number;
  /** How often instances share their rate-limit counts. */
  rateLimitSyncMs: number;
  /** How often key use figures are written. */
  usageFlushMs: number;
}

/** The environment variables the service reads, and the config-file field each overrides. */
export const ENVIRONMENT_VARIABLES = {
  PORT: 'port',
  INVITES_BIND: 'bindAddress',
  MONGODB_URI: 'mongodbUri',
  MONGODB_DATABASE: 'mongodbDatabase',
  INVITES_DATA_DIR: 'dataDir',
  INVITES_ADMIN_TOKEN: 'adminToken',
  INVITES_HOSTS: 'hosts',
  INVITES_INVITE_TTL: 'inviteTtl',
  INVITES_MAX_INVITE_TTL: 'maxInviteTtl',
  INVITES_EXPIRED_RETENTION: 'expiredInviteRetention',
  LOG_LEVEL: 'logLevel',
  INVITES_SHUTDOWN_TIMEOUT: 'shutdownTimeout',
  INVITES_HEALTH_INTERVAL: 'healthCheckInterval',
  INVITES_METRICS: 'metrics',
  INVITES_KEY_RATE_LIMIT: 'keyRateLimit',
  INVITES_AUTH_FAILURE_LIMIT: 'authFailureLimit',
  INVITES_TRUSTED_PROXIES: 'trustedProxies',
  INVITES_DB_TIMEOUT: 'databaseTimeout',
  INVITES_RATE_LIMIT_SYNC: 'rateLimitSync',
  INVITES_USAGE_FLUSH: 'usageFlush',
} as const;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const duration = z.union([z.number().int().nonnegative(), z.string()]).transform((value, ctx) => {
  const seconds = typeof value === 'number' ? value : parseDurationSeconds(value);
  if (seconds === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration: use e.g. 3600, 90s, 15m, 12h, 7d or 2w` });
    return z.NEVER;
  }
  return seconds;
});

const positiveDuration = duration.refine((s) => s > 0, 'must be longer than 0 seconds');

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false, yes: true, no: false, on: true, off: false };
const flag = z.union([z.boolean(), z.string()]).transform((value, ctx) => {
  const b = typeof value === 'boolean' ? value : BOOLEAN_WORDS[value.trim().toLowerCase()];
  if (b === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not true or false (or 1/0, yes/no, on/off)` });
    return z.NEVER;
  }
  return b;
});
const millis = (min: number, max: number) =>
  z.union([z.number().int(), z.string()]).transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : parseDurationMillis(value);
    if (ms === undefined || ms < min || ms > max) {
      ctx.addIssue({ code: 'custom', message: `"${value}" must be a duration from ${min} ms to ${max / 1000} s, e.g. 250ms or 2s` });
      return z.NEVER;
    }
    return ms;
  });

const perMinute = z.coerce.number().int('must be a whole number').min(1).max(1_000_000);

const proxyList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : value.split(',')).map((s) => s.trim()).filter(Boolean))
  .superRefine((list, ctx) => {
    try {
      proxyAddr.compile(list);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `${(err as Error).message}: use addresses, CIDRs (10.0.0.0/8) or loopback, linklocal, uniquelocal` });
    }
  });

const hostName = z
  .string()
  .regex(/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i, 'must be a domain name such as example.com')
  .transform((s) => s.toLowerCase());

const baseUrl = z
  .string()
  .refine((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), 'must be an http:// or https:// URL')
  .transform((s) => s.replace(/\/+$/, ''));

const hostSchema = z.object({
  name: hostName,
  publicBaseUrl: baseUrl,
  inviteTtl: positiveDuration.optional(),
  maxInviteTtl: positiveDuration.optional(),
  landingPage: z.string().includes('{token}', { message: 'must contain the {token} placeholder' }).optional(),
});

const fileSchema = z.strictObject({
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  bindAddress: z.string().min(1).default('0.0.0.0'),
  mongodbUri: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .optional(),
  mongodbDatabase: z.string().regex(/^[^/\\. "$*<>:|?]{1,63}$/, 'must be a MongoDB database name').default('invites'),
  dataDir: z.string().min(1).default('./data'),
  adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
  hosts: z.array(hostSchema).min(1, 'at least one host is needed').default([{ name: 'localhost', publicBaseUrl: 'http://localhost:8080' }]),
  inviteTtl: positiveDuration.default(7 * 86400),
  maxInviteTtl: positiveDuration.default(30 * 86400),
  expiredInviteRetention: duration.default(7 * 86400),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  shutdownTimeout: positiveDuration.default(10),
  healthCheckInterval: positiveDuration.default(2),
  metrics: flag.default(true),
  keyRateLimit: perMinute.default(60),
  authFailureLimit: perMinute.default(30),
  trustedProxies: proxyList.default([]),
  databaseTimeout: millis(50, 60_000).default(500),
  rateLimitSync: millis(10, 10_000).default(250),
  usageFlush: millis(10, 600_000).default(5000),
});

/** `example.com=https://example.com,chat.example.org=https://chat.example.org` */
function parseHostsVariable(text: string): unknown {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const eq = entry.indexOf('=');
      return eq < 0 ? { name: entry, publicBaseUrl: '' } : { name: entry.slice(0, eq).trim(), publicBaseUrl: entry.slice(eq + 1).trim() };
    });
}

function parseConfigFile(file: { path: string; text: string }): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = /\.json$/i.test(file.path) ? JSON.parse(file.text) : parseYaml(file.text);
  } catch (err) {
    throw new ConfigError(`config file ${file.path} cannot be parsed: ${(err as Error).message}`);
  }
  if (parsed == null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${file.path} must hold a mapping of settings`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * The configuration as a pure function of the environment (and the text of an optional
 * config file, which the entry point reads). Environment variables win over the file.
 * Every problem is reported at once, each naming its setting.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>, file?: { path: string; text: string }): Config {
  const raw: Record<string, unknown> = file ? parseConfigFile(file) : {};
  const fromEnv = new Map<string, string>();
  for (const [variable, field] of Object.entries(ENVIRONMENT_VARIABLES)) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    raw[field] = field === 'hosts' ? parseHostsVariable(value) : value;
    fromEnv.set(field, variable);
  }
  const result = fileSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
      const root = String(issue.path[0] ?? '');
      const source = fromEnv.has(root) ? ` (from ${fromEnv.get(root)})` : file ? ` (in ${file.path})` : '';
      return `  ${path || '(root)'}${source}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const c = result.data;
  const hosts = new Map<string, HostConfig>();
  for (const h of c.hosts) {
    if (hosts.has(h.name)) throw new ConfigError(`invalid configuration:\n  hosts: "${h.name}" is listed twice`);
    const inviteTtlSeconds = h.inviteTtl ?? c.inviteTtl;
    const maxInviteTtlSeconds = h.maxInviteTtl ?? c.maxInviteTtl;
    if (inviteTtlSeconds > maxInviteTtlSeconds) {
      throw new ConfigError(
        `invalid configuration:\n  hosts (${h.name}): the invite lifetime (inviteTtl, ${inviteTtlSeconds}s) is longer than the maximum (maxInviteTtl, ${maxInviteTtlSeconds}s)`,
      );
    }
    hosts.set(h.name, {
      name: h.name,
      publicBaseUrl: h.publicBaseUrl,
      inviteTtlSeconds,
      maxInviteTtlSeconds,
      landingPageTemplate: h.landingPage ?? `${h.publicBaseUrl}/invite?{token}`,
    });
  }
  return {
    port: c.port,
    bindAddress: c.bindAddress,
    mongodbUri: c.mongodbUri,
    mongodbDatabase: c.mongodbDatabase,
    dataDir: c.dataDir,
    adminToken: c.adminToken,
    hosts,
    inviteTtlSeconds: c.inviteTtl,
    maxInviteTtlSeconds: c.maxInviteTtl,
    expiredInviteRetentionSeconds: c.expiredInviteRetention,
    logLevel: c.logLevel,
    shutdownTimeoutSeconds: c.shutdownTimeout,
    healthCheckIntervalSeconds: c.healthCheckInterval,
    metricsEnabled: c.metrics,
    keyRateLimitPerMinute: c.keyRateLimit,
    authFailuresPerMinute: c.authFailureLimit,
    trustedProxies: c.trustedProxies,
    databaseTimeoutMs: c.databaseTimeout,
    rateLimitSyncMs: c.rateLimitSync,
    usageFlushMs: c.usageFlush,
  };
}
