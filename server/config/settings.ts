import { z } from 'zod';
import { maskMongoUri, maskUrlPassword, MASK } from './mask-secrets.js';
import * as kinds from './setting-kinds.js';
import type { Kind } from './setting-kinds.js';

/**
 * One setting, defined once: the environment variable, the Config property, how its value is
 * read and printed (its kind), its default and its line in docs/configuration.md. The config-file
 * field is its key in SETTINGS. `V` is its type in Config (with `undefined` when optional).
 */
export interface Setting<K extends string = string, T = never, V = T> {
  readonly key: K;
  readonly env: string;
  readonly kind: Kind<T>;
  /** Undefined: the setting is optional, and `defaultDoc` says what unset means. */
  readonly default: T | undefined;
  /** The default column of the docs. */
  readonly defaultDoc: string;
  /** One line for the docs: what it does. */
  readonly doc: string;
  /** The environment variable's text into what `kind` reads; the text itself by default. */
  readonly fromEnv: (text: string) => unknown;
  /** How the Config value is written into a printed config file (secrets masked). */
  readonly print: (value: NonNullable<V>) => unknown;
}

interface Spec<K extends string, T> {
  key: K;
  env: string;
  kind: Kind<T>;
  doc: string;
  defaultDoc?: string;
  fromEnv?: (text: string) => unknown;
}

const code = (value: unknown) => `\`${String(value)}\``;

function setting<const K extends string, T>(spec: Spec<K, T> & { default: NoInfer<T> }): Setting<K, T> {
  const defaultDoc = spec.defaultDoc ?? code(spec.kind.print(spec.default));
  return { fromEnv: (text) => text, print: spec.kind.print as (value: NonNullable<T>) => unknown, ...spec, defaultDoc };
}

function optional<const K extends string, T>(
  spec: Spec<K, T> & { defaultDoc: string; print?: (value: T) => unknown },
): Setting<K, T, T | undefined> {
  return { fromEnv: (text) => text, print: spec.kind.print as (value: NonNullable<T>) => unknown, ...spec, default: undefined };
}

/** Settings a host may override (same field inside a host); the top-level value is the default of hosts without their own. */
export const PER_HOST_SETTINGS = {
  inviteTtl: setting({
    key: 'inviteTtlSeconds',
    env: 'INVITES_INVITE_TTL',
    kind: kinds.positiveSeconds,
    default: 7 * 86400,
    doc: 'invite lifetime for hosts without their own (`3600`, `90s`, `15m`, `12h`, `7d`, `2w`)',
  }),
  maxInviteTtl: setting({
    key: 'maxInviteTtlSeconds',
    env: 'INVITES_MAX_INVITE_TTL',
    kind: kinds.positiveSeconds,
    default: 30 * 86400,
    doc: 'the longest lifetime a caller may ask for (`ttl`); longer is refused, not shortened',
  }),
  userInviteQuota: optional({
    key: 'userInviteQuota',
    env: 'INVITES_USER_INVITE_QUOTA',
    kind: kinds.userInviteQuota,
    defaultDoc: '(none)',
    doc:
      "how many invites an API key may make on behalf of one local user (`inviter`) per period, like ejabberd's `max_invites`: " +
      '`{ count: 5, period: 7d }` in the file, `5/7d` in the environment; over it `RESOURCE_EXHAUSTED` (429)',
  }),
  webRegistration: optional({
    key: 'webRegistrationTemplate',
    env: 'INVITES_WEB_REGISTRATION',
    kind: kinds.webRegistration,
    defaultDoc: '(none)',
    doc:
      'a web sign-up page the landing page offers ("Sign up in your browser"), ' +
      'e.g. `https://{host}:5281/register?t={token}` for `mod_invites_register_web`; `{token}` (URL-encoded) and `{host}` are replaced',
  }),
};

/** A field only hosts have. `fallback` gives the value a host without the field gets. */
interface HostField<K extends string, T> {
  readonly key: K;
  readonly kind: Kind<T>;
  readonly doc: string;
  readonly defaultDoc: string;
  readonly fallback?: (host: { publicBaseUrl: string }) => T;
}
const hostField = <const K extends string, T>(field: HostField<K, T>) => field;

export const HOST_FIELDS = {
  name: hostField({ key: 'name', kind: kinds.hostName, defaultDoc: '(required)', doc: 'the XMPP domain, e.g. `example.com`' }),
  publicBaseUrl: hostField({
    key: 'publicBaseUrl',
    kind: kinds.baseUrl,
    defaultDoc: '(required)',
    doc: 'where the landing pages live (`http://` or `https://`, trailing `/` dropped)',
  }),
  landingPage: hostField({
    key: 'landingPageTemplate',
    kind: kinds.landingPage,
    defaultDoc: '`{publicBaseUrl}/invite?{token}`',
    doc: 'the landing page URL; `{token}` and `{host}` are replaced (the default is what `mod_invites_page` serves)',
    fallback: (host) => `${host.publicBaseUrl}/invite?{token}`,
  }),
  apps: hostField({
    key: 'apps',
    kind: kinds.appList,
    defaultDoc: "mod_register_apps' defaults",
    doc:
      'the apps the landing page recommends, replacing the defaults (see [the landing page](landing-page.md)): ' +
      'each with `name`, `text`, `platforms`, an https `link`, `supportsPreauthUri` and optionally `magicLinkFormat` and `id`',
  }),
  hideApps: hostField({
    key: 'hideApps',
    kind: kinds.appIds,
    defaultDoc: '(none)',
    doc: 'ids of apps to leave out of the list, e.g. `[yaxim, beagle-im]`',
  }),
};

type HostFieldValue<F> = F extends HostField<string, infer T> ? T : never;
type SettingValue<S> = S extends Setting<string, infer _T, infer V> ? V : never;

/** One host as the server uses it: its own fields, and the per-host settings resolved. */
export type HostConfig = {
  -readonly [F in keyof typeof HOST_FIELDS as (typeof HOST_FIELDS)[F]['key']]: HostFieldValue<(typeof HOST_FIELDS)[F]>;
} & {
  -readonly [F in keyof typeof PER_HOST_SETTINGS as (typeof PER_HOST_SETTINGS)[F]['key']]: SettingValue<(typeof PER_HOST_SETTINGS)[F]>;
};

/** A host as a file or INVITES_HOSTS gives it: per-host settings left out take the top level's. */
const hostEntry = z.object({
  ...Object.fromEntries(Object.entries(HOST_FIELDS).map(([field, f]) => [field, f.fallback ? f.kind.value.optional() : f.kind.value])),
  ...Object.fromEntries(
    Object.keys(PER_HOST_SETTINGS).map((field) => [
      field,
      PER_HOST_SETTINGS[field as keyof typeof PER_HOST_SETTINGS].kind.value.optional(),
    ]),
  ),
});
export type HostEntry = Record<string, unknown> & { name: string; publicBaseUrl: string };

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

/** A host in the printed file: every field, per-host settings with their effective value. */
function printHost(host: HostConfig): Record<string, unknown> {
  const printed: Record<string, unknown> = {};
  for (const [field, f] of Object.entries(HOST_FIELDS)) printed[field] = f.kind.print(host[f.key] as never);
  for (const [field, s] of Object.entries(PER_HOST_SETTINGS)) {
    const value = host[s.key];
    if (value !== undefined) printed[field] = s.print(value as never);
  }
  return printed;
}

const hosts: Setting<'hosts', HostEntry[], ReadonlyMap<string, HostConfig>> = {
  key: 'hosts',
  env: 'INVITES_HOSTS',
  kind: { value: z.array(hostEntry).min(1, 'at least one host is needed') as unknown as z.ZodType<HostEntry[], unknown>, print: (v) => v },
  default: [{ name: 'localhost', publicBaseUrl: 'http://localhost:8080' }],
  defaultDoc: code('localhost=http://localhost:8080'),
  doc: 'the hosts invites are made for: `host=public base URL`, comma separated (per-host settings need the file)',
  fromEnv: parseHostsVariable,
  print: (map) => [...map.values()].map(printHost),
};

/** Every setting, in the order of the docs and the printed file. The key is the file field. */
export const SETTINGS = {
  port: setting({
    key: 'port',
    env: 'PORT',
    kind: kinds.port,
    default: 8080,
    doc: 'the one port for HTTP/1.1 and h2c (gRPC, gRPC-Web, Connect, plain routes)',
  }),
  bindAddress: setting({ key: 'bindAddress', env: 'INVITES_BIND', kind: kinds.text, default: '0.0.0.0', doc: 'address to listen on' }),
  hosts,
  ...PER_HOST_SETTINGS,
  expiredInviteRetention: setting({
    key: 'expiredInviteRetentionSeconds',
    env: 'INVITES_EXPIRED_RETENTION',
    kind: kinds.seconds,
    default: 7 * 86400,
    doc: 'how long expired invites are kept before they are removed (so a landing page can still say "expired")',
  }),
  mongodbUri: optional({
    key: 'mongodbUri',
    env: 'MONGODB_URI',
    kind: kinds.mongodbUri,
    defaultDoc: '(embedded engine)',
    doc: 'MongoDB connection string; unset runs the embedded engine (its password is masked when printed)',
    print: maskMongoUri,
  }),
  mongodbDatabase: setting({
    key: 'mongodbDatabase',
    env: 'MONGODB_DATABASE',
    kind: kinds.databaseName,
    default: 'invites',
    doc: 'database name',
  }),
  dataDir: setting({
    key: 'dataDir',
    env: 'INVITES_DATA_DIR',
    kind: kinds.text,
    default: './data',
    doc: 'embedded database files and the generated admin token',
  }),
  adminToken: optional({
    key: 'adminToken',
    env: 'INVITES_ADMIN_TOKEN',
    kind: kinds.adminToken,
    defaultDoc: '(generated)',
    doc: 'the token `KeyAdmin` requires; unset: generated once into `DATA_DIR/admin-token` (masked when printed)',
    print: () => MASK,
  }),
  logLevel: setting({
    key: 'logLevel',
    env: 'LOG_LEVEL',
    kind: kinds.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
    doc: '`fatal` … `trace`, or `silent`; JSON lines (pretty on a terminal)',
  }),
  shutdownTimeout: setting({
    key: 'shutdownTimeoutSeconds',
    env: 'INVITES_SHUTDOWN_TIMEOUT',
    kind: kinds.positiveSeconds,
    default: 10,
    doc: 'how long SIGTERM waits for in-flight requests',
  }),
  headersTimeout: setting({
    key: 'headersTimeoutMs',
    env: 'INVITES_HEADERS_TIMEOUT',
    kind: kinds.millis(50, 600_000),
    default: 10_000,
    doc:
      'a new connection must send its first request head (HTTP/1.1) or open its first stream (HTTP/2) within this; ' +
      'later heads too (HTTP/1.1: 408)',
  }),
  requestTimeout: setting({
    key: 'requestTimeoutMs',
    env: 'INVITES_REQUEST_TIMEOUT',
    kind: kinds.millis(50, 3_600_000),
    default: 30_000,
    doc:
      'a request must have arrived whole, body included, within this (HTTP/1.1: 408; HTTP/2: the stream is reset with `CANCEL`); ' +
      'responses, e.g. Watch streams, may last longer',
  }),
  idleTimeout: setting({
    key: 'idleTimeoutMs',
    env: 'INVITES_IDLE_TIMEOUT',
    kind: kinds.millis(50, 3_600_000),
    default: 60_000,
    doc: 'a keep-alive connection with no request, or an HTTP/2 session with no open stream, is closed after this (HTTP/2 with `GOAWAY`)',
  }),
  maxConcurrentStreams: setting({
    key: 'maxConcurrentStreams',
    env: 'INVITES_MAX_STREAMS',
    kind: kinds.count(1, 10_000),
    default: 100,
    doc:
      'concurrent streams per HTTP/2 connection, advertised in `SETTINGS`; ' +
      'more are refused with `REFUSED_STREAM` (grpc-go and Envoy use 100)',
  }),
  maxConnectionsPerAddress: setting({
    key: 'maxConnectionsPerAddress',
    env: 'INVITES_MAX_CONNECTIONS_PER_ADDRESS',
    kind: kinds.count(1, 1_000_000),
    default: 256,
    doc: 'open connections per client address (IPv6: per /64); more are closed at once. Trusted proxies are not limited',
  }),
  healthCheckInterval: setting({
    key: 'healthCheckIntervalSeconds',
    env: 'INVITES_HEALTH_INTERVAL',
    kind: kinds.positiveSeconds,
    default: 2,
    doc: 'how often the database is pinged for health, readiness and the round-trip metric',
  }),
  metrics: setting({
    key: 'metricsEnabled',
    env: 'INVITES_METRICS',
    kind: kinds.flag,
    default: true,
    doc: 'serve Prometheus metrics at `GET /metrics` (`false` turns it off)',
  }),
  keyRateLimit: setting({
    key: 'keyRateLimitPerMinute',
    env: 'INVITES_KEY_RATE_LIMIT',
    kind: kinds.perMinute,
    default: 60,
    doc: 'invites per minute per API key, for keys created without their own `--rate-limit`',
  }),
  authFailureLimit: setting({
    key: 'authFailuresPerMinute',
    env: 'INVITES_AUTH_FAILURE_LIMIT',
    kind: kinds.perMinute,
    default: 30,
    doc: 'refused credentials per minute per client address before that address is refused outright',
  }),
  publicReadLimit: setting({
    key: 'publicReadsPerMinute',
    env: 'INVITES_PUBLIC_READ_LIMIT',
    kind: kinds.count(0, 1_000_000),
    default: 120,
    doc: 'invite views (`GetInvite` and the landing page together) per minute per client address (`0` turns it off)',
  }),
  trustedProxies: setting({
    key: 'trustedProxies',
    env: 'INVITES_TRUSTED_PROXIES',
    kind: kinds.proxyList,
    default: [],
    defaultDoc: '(none)',
    doc:
      'proxies whose `X-Forwarded-For` is believed: addresses, CIDRs, `loopback`, `linklocal`, `uniquelocal`, ' +
      'comma separated (a list in the file)',
  }),
  databaseTimeout: setting({
    key: 'databaseTimeoutMs',
    env: 'INVITES_DB_TIMEOUT',
    kind: kinds.millis(50, 60_000),
    default: 500,
    doc: 'how long a request waits for an unreachable database before it gets 503 (`250ms`, `2s`; a bare number is ms)',
  }),
  rateLimitSync: setting({
    key: 'rateLimitSyncMs',
    env: 'INVITES_RATE_LIMIT_SYNC',
    kind: kinds.millis(10, 10_000),
    default: 250,
    doc: 'how often each instance shares its rate-limit counts through the database',
  }),
  usageFlush: setting({
    key: 'usageFlushMs',
    env: 'INVITES_USAGE_FLUSH',
    kind: kinds.millis(10, 600_000),
    default: 5000,
    doc: "how often each instance writes its keys' use counts and last-use times",
  }),
  holdTtl: setting({
    key: 'holdTtlSeconds',
    env: 'INVITES_HOLD_TTL',
    kind: kinds.positiveSeconds,
    default: 300,
    doc: 'how long `HoldInvite` reserves a use for a registration in progress; unconfirmed, it comes back by itself',
  }),
  webhookAllowPrivateAddresses: setting({
    key: 'webhookAllowPrivateAddresses',
    env: 'INVITES_WEBHOOK_ALLOW_PRIVATE_ADDRESSES',
    kind: kinds.flag,
    default: false,
    doc:
      'let webhooks go to loopback, private, link-local and unique-local addresses (refused by default: server-side request forgery; ' +
      'see [webhooks](webhooks.md))',
  }),
  webhookTimeout: setting({
    key: 'webhookTimeoutMs',
    env: 'INVITES_WEBHOOK_TIMEOUT',
    kind: kinds.millis(100, 120_000),
    default: 10_000,
    doc: 'how long one webhook delivery attempt waits for the endpoint to answer',
  }),
  webhookRetryBase: setting({
    key: 'webhookRetryBaseMs',
    env: 'INVITES_WEBHOOK_RETRY_BASE',
    kind: kinds.millis(10, 3_600_000),
    default: 5000,
    doc: 'the wait before the first retry of a failed delivery; it doubles with each attempt (±20% jitter)',
  }),
  webhookRetryMaxDelay: setting({
    key: 'webhookRetryMaxDelayMs',
    env: 'INVITES_WEBHOOK_RETRY_MAX_DELAY',
    kind: kinds.millis(10, 86_400_000),
    default: 3_600_000,
    doc: 'the longest wait between two attempts of a delivery',
  }),
  webhookGiveUpAfter: setting({
    key: 'webhookGiveUpAfterSeconds',
    env: 'INVITES_WEBHOOK_GIVE_UP_AFTER',
    kind: kinds.positiveSeconds,
    default: 3 * 86400,
    doc: 'how long a delivery is retried after its first attempt before it is marked failed',
  }),
  webhookPoll: setting({
    key: 'webhookPollMs',
    env: 'INVITES_WEBHOOK_POLL',
    kind: kinds.millis(10, 60_000),
    default: 1000,
    doc: "how often each instance looks for due webhook deliveries (its own changes' go out at once)",
  }),
  otlpEndpoint: optional({
    key: 'otlpEndpoint',
    env: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    kind: kinds.baseUrl,
    defaultDoc: '(no tracing)',
    doc:
      'an OpenTelemetry collector (OTLP/HTTP, e.g. `http://otel-collector:4318`): traces of every request are sent to ' +
      '`<endpoint>/v1/traces`; unset, no tracing is done (see [tracing](tracing.md)); a password in it is masked when printed',
    print: maskUrlPassword,
  }),
  serviceName: setting({
    key: 'serviceName',
    env: 'OTEL_SERVICE_NAME',
    kind: kinds.text,
    default: 'invites',
    doc: 'the `service.name` traces are sent under',
  }),
};

/** The configuration the server runs with: one property per setting. */
export type Config = {
  -readonly [F in keyof typeof SETTINGS as (typeof SETTINGS)[F]['key']]: SettingValue<(typeof SETTINGS)[F]>;
};
