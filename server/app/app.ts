import { join } from 'node:path';
import type { TracerProvider } from '@opentelemetry/api';
import type { Config } from '../config/config.js';
import { superviseEmbeddedDb } from '../embedded/embedded-db-supervisor.js';
import { randomToken } from '../domain/random-token.js';
import { startExpirySweeper } from '../service/expiry-sweeper.js';
import { createHealthMonitor, type HealthMonitor } from '../service/health-monitor.js';
import { openMongoStore, type CommandObserver } from '../store/mongo-store.js';
import type { Store } from '../store/store.js';
import { isTrustedProxy } from '../transport/client-address.js';
import { listenOnePort } from '../transport/one-port-server.js';
import { loadOrCreateAdminToken } from './admin-token-file.js';
import { buildServices } from './build-services.js';
import { composeServer } from './compose.js';
import { countedInvites } from './counted-invites.js';
import { databaseSpans } from './database-spans.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { otlpTracerProvider } from './otlp-tracer-provider.js';
import { serverVersion } from './server-version.js';
import { createTracing, type Tracing } from './tracing.js';

export interface AppDeps {
  logger: Logger;
  /** Path of the Go-built embedded engine, used when no MONGODB_URI is configured. */
  embeddedDbBinary: string;
  now?: () => Date;
  /** A store to use instead of opening one from the config (tests). */
  store?: Store;
  /** Called for every command sent to the database (benchmarks count them). */
  onDatabaseCommand?: (commandName: string) => void;
  /**
   * Where request and database spans go (tests pass one with an in-memory exporter). Unset: an
   * OTLP exporter when OTEL_EXPORTER_OTLP_ENDPOINT is configured, otherwise no tracing at all.
   */
  tracerProvider?: TracerProvider;
}

export interface App {
  port: number;
  /** Where the data lives: the configured URI or the embedded engine's. */
  databaseUri: string;
  adminTokenPath: string | undefined;
  /** This server's metrics (its own registry). */
  metrics: Metrics;
  close(): Promise<void>;
  /** Writes this instance's usage and rate-limit counts now and reads the other instances'. */
  syncCounters(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 60_000;
const KEY_COUNT_CACHE_MS = 10_000;
/** How long the server waits at start for a database that is not up yet. */
const DATABASE_START_TIMEOUT_MS = 30_000;
/** A failing background write is logged at most this often (it is retried meanwhile). */
const BACKGROUND_ERROR_LOG_INTERVAL_MS = 30_000;

/** How long closing waits for the last spans to reach the collector. */
const SPAN_FLUSH_TIMEOUT_MS = 3000;

/** What was started, stopped in reverse order. */
type Cleanups = Array<() => Promise<void>>;

/** The tracing this server does, if any: none (and no SDK started) without a provider or an OTLP endpoint. */
function tracingOf(config: Config, deps: AppDeps, instanceId: string, cleanups: Cleanups): Tracing | undefined {
  if (deps.tracerProvider) return createTracing(deps.tracerProvider, serverVersion());
  if (!config.otlpEndpoint) return undefined;
  const provider = otlpTracerProvider({
    endpoint: config.otlpEndpoint,
    serviceName: config.serviceName,
    version: serverVersion(),
    instanceId,
  });
  // Pushed first, so it runs last on close: the spans of the drained requests are flushed, but an
  // unreachable collector does not hold up the exit for long.
  cleanups.push(() =>
    Promise.race([provider.shutdown(), new Promise<void>((resolve) => setTimeout(resolve, SPAN_FLUSH_TIMEOUT_MS).unref())]),
  );
  return createTracing(provider, serverVersion());
}

function commandObserverOf(deps: AppDeps, tracing: Tracing | undefined): CommandObserver | undefined {
  const count = deps.onDatabaseCommand;
  if (tracing) return databaseSpans(tracing, count);
  return count ? { started: (event) => count(event.commandName) } : undefined;
}

async function openDatabase(
  config: Config,
  deps: AppDeps,
  tracing: Tracing | undefined,
  cleanups: Cleanups,
): Promise<{ store: Store; databaseUri: string }> {
  const { logger } = deps;
  let databaseUri = config.mongodbUri ?? '';
  if (deps.store) return { store: deps.store, databaseUri };
  if (!config.mongodbUri) {
    const db = await superviseEmbeddedDb({
      binary: deps.embeddedDbBinary,
      dataDir: join(config.dataDir, 'db'),
      onLog: (line) => logger.debug({ component: 'embedded-db' }, line),
      onExit: (exit, restartInMs) =>
        logger.error({ code: exit.code, signal: exit.signal, restartInMs }, 'embedded database exited unexpectedly: restarting it'),
      onRestart: () => logger.warn('embedded database restarted'),
      onRestartFailed: (err, retryInMs) => logger.error({ err, retryInMs }, 'embedded database did not restart: retrying'),
    });
    cleanups.push(() => db.stop());
    databaseUri = db.uri;
    logger.info({ dataDir: config.dataDir }, 'embedded database started');
  }
  const store = await openMongoStore({
    uri: databaseUri,
    database: config.mongodbDatabase,
    serverSelectionTimeoutMS: config.databaseTimeoutMs,
    startTimeoutMs: DATABASE_START_TIMEOUT_MS,
    commandObserver: commandObserverOf(deps, tracing),
  });
  cleanups.push(() => store.close());
  return { store, databaseUri };
}

async function adminTokenOf(config: Config, logger: Logger): Promise<{ token: string; path: string | undefined }> {
  if (config.adminToken) return { token: config.adminToken, path: undefined };
  const loaded = await loadOrCreateAdminToken(config.dataDir);
  logger.info({ path: loaded.path }, loaded.created ? 'admin token generated' : 'admin token read from file');
  return { token: loaded.token, path: loaded.path };
}

function startSweeper(store: Store, config: Config, logger: Logger, now: () => Date, cleanups: Cleanups): void {
  const stop = startExpirySweeper({
    invites: store.invites,
    retentionSeconds: config.expiredInviteRetentionSeconds,
    intervalMs: SWEEP_INTERVAL_MS,
    now,
    onError: (err) => logger.warn({ err }, 'sweeping expired invites failed'),
  });
  cleanups.push(stop);
}

function metricsOf(store: Store, config: Config): Metrics {
  const hosts = [...config.hosts.keys()];
  return createMetrics({
    hosts,
    countKeysByHost: async () => new Map(await Promise.all(hosts.map(async (h) => [h, (await store.keys.listByHost(h)).length] as const))),
    keyCountCacheMs: KEY_COUNT_CACHE_MS,
  });
}

function healthMonitorOf(store: Store, config: Config, logger: Logger, metrics: Metrics): HealthMonitor {
  const intervalMs = config.healthCheckIntervalSeconds * 1000;
  return createHealthMonitor({
    ping: () => store.ping(),
    missingIndexes: () => store.missingIndexes(),
    intervalMs,
    timeoutMs: Math.min(intervalMs, 5000),
    onRoundTrip: (seconds) => metrics.databaseRoundTrip.observe(seconds),
    onChange: (snapshot, err) => {
      metrics.databaseUp.set(snapshot.serving ? 1 : 0);
      if (snapshot.serving) logger.info('database healthy: serving');
      else logger.warn({ problem: snapshot.problem, ...(err ? { err } : {}) }, 'database unhealthy: not serving');
    },
  });
}

/** Logs failing background writes (usage, rate-limit counts) at most every so often. */
function backgroundErrorLogger(logger: Logger): (err: unknown) => void {
  let lastLog = 0;
  return (err) => {
    if (Date.now() - lastLog < BACKGROUND_ERROR_LOG_INTERVAL_MS) return;
    lastLog = Date.now();
    logger.warn({ err }, 'background work failed (usage or rate-limit counts, webhook deliveries); retrying');
  };
}

/**
 * Starts one server: the database (embedded or configured), the admin token, background work
 * (sweeper, health monitor, counters) and the listener; `close` stops them in reverse order.
 * What is served is composed in compose.ts.
 */
export async function startApp(config: Config, deps: AppDeps): Promise<App> {
  const { logger } = deps;
  const now = deps.now ?? (() => new Date());
  const cleanups: Cleanups = [];
  const close = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((err) => logger.error({ err }, 'error while shutting down'));
  };
  try {
    const instanceId = randomToken(6);
    const tracing = tracingOf(config, deps, instanceId, cleanups);
    const { store, databaseUri } = await openDatabase(config, deps, tracing, cleanups);
    const adminToken = await adminTokenOf(config, logger);
    startSweeper(store, config, logger, now, cleanups);
    const metrics = metricsOf(store, config);
    const monitor = healthMonitorOf(store, config, logger, metrics);
    await monitor.start();
    cleanups.push(async () => monitor.stop());
    const built = buildServices({
      store,
      config,
      adminToken: adminToken.token,
      now,
      instanceId,
      onBackgroundError: backgroundErrorLogger(logger),
      webhookObserver: {
        delivered: (d) => metrics.webhookDelivered.inc({ host: d.host }),
        failed: (d) => {
          metrics.webhookFailed.inc({ host: d.host });
          logger.warn({ webhookId: d.endpointId, messageId: d.messageId, type: d.type, error: d.lastError }, 'webhook delivery given up');
        },
        backlog: (count, oldestAgeSeconds) => {
          metrics.webhookPending.set(count);
          metrics.webhookPendingOldestAge.set(oldestAgeSeconds);
        },
      },
    });
    cleanups.push(() => built.stop());
    const services = countedInvites(built, { created: metrics.invitesCreated, redeemed: metrics.invitesRedeemed });
    const handler = composeServer({ services, config, monitor, metrics, logger, now, version: serverVersion(), tracing });
    const server = await listenOnePort({
      handler,
      port: config.port,
      host: config.bindAddress,
      limits: config,
      unlimitedPeer: isTrustedProxy(config.trustedProxies),
    });
    cleanups.push(() => server.close(config.shutdownTimeoutSeconds * 1000));
    // Runs before the drain above: health turns NOT_SERVING and Watch streams end, so they don't hold it up.
    cleanups.push(async () => monitor.stop());
    logger.info({ port: server.port, hosts: [...config.hosts.keys()], instanceId }, 'invites server listening');
    return { port: server.port, databaseUri, adminTokenPath: adminToken.path, metrics, close, syncCounters: () => services.syncCounters() };
  } catch (err) {
    await close();
    throw err;
  }
}
