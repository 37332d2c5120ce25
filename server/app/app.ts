import { connectNodeAdapter, type ConnectNodeAdapterOptions } from '@connectrpc/connect-node';
import { join } from 'node:path';
import { InviteService as InviteServiceDesc } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin as KeyAdminDesc } from '../../gen/invites/v1/key_admin_pb.js';
import { Health } from '../../gen/health/v1/health_pb.js';
import type { Config } from '../config/config.js';
import { startEmbeddedDb, type EmbeddedDb } from '../embedded/embedded-db.js';
import { createAdminAuthenticator } from '../service/admin-authenticator.js';
import { createCallerAuthenticator } from '../service/caller-authenticator.js';
import { startExpirySweeper } from '../service/expiry-sweeper.js';
import { createInviteLifecycleService } from '../service/invite-lifecycle-service.js';
import { createInviteService } from '../service/invite-service.js';
import { createKeyAdminService } from '../service/key-admin-service.js';
import { createKeyAuthenticator } from '../service/key-authenticator.js';
import { createHealthMonitor, type HealthMonitor } from '../service/health-monitor.js';
import { createCachedKeyLookup } from '../service/key-lookup.js';
import { openMongoStore } from '../store/mongo-store.js';
import type { Store } from '../store/store.js';
import { connectRoutes, errorMappingInterceptor } from '../transport/connect-routes.js';
import { grpcHealthRoutes } from '../transport/grpc-health-routes.js';
import { METRICS_PATH, metricsRoute } from '../transport/metrics-route.js';
import { probeRoutes } from '../transport/probe-routes.js';
import { reflectionRoutes } from '../transport/reflection-routes.js';
import { createRequestFactsTable, rpcOutcomeInterceptor } from '../transport/request-facts.js';
import type { HttpRequest, HttpResponse } from '../transport/http-types.js';
import { listenOnePort } from '../transport/one-port-server.js';
import { plainRoutes } from '../transport/plain-routes.js';
import { loadOrCreateAdminToken } from './admin-token-file.js';
import { countedInvites } from './counted-invites.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { observeRequests } from './request-observer.js';
import { serverVersion } from './server-version.js';

export interface AppDeps {
  logger: Logger;
  /** Path of the Go-built embedded engine, used when no MONGODB_URI is configured. */
  embeddedDbBinary: string;
  now?: () => Date;
  /** A store to use instead of opening one from the config (tests). */
  store?: Store;
  /** Called for every command sent to the database (benchmarks count them). */
  onDatabaseCommand?: (commandName: string) => void;
}

export interface App {
  port: number;
  /** Where the data lives: the configured URI or the embedded engine's. */
  databaseUri: string;
  adminTokenPath: string | undefined;
  /** This server's metrics (its own registry), e.g. for a redeem path to count uses. */
  metrics: Metrics;
  close(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 60_000;
const KEY_COUNT_CACHE_MS = 10_000;

/** What reflection lists and gRPC health reports on, besides the whole server (""). */
const SERVED_SERVICES = [InviteServiceDesc, KeyAdminDesc];

function startHealthMonitor(store: Store, config: Config, logger: Logger, metrics: Metrics): HealthMonitor {
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

export async function startApp(config: Config, deps: AppDeps): Promise<App> {
  const { logger } = deps;
  const now = deps.now ?? (() => new Date());
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((err) => logger.error({ err }, 'error while shutting down'));
  };
  try {
    let databaseUri = config.mongodbUri ?? '';
    let store = deps.store;
    if (!store) {
      if (!config.mongodbUri) {
        const db: EmbeddedDb = await startEmbeddedDb({
          binary: deps.embeddedDbBinary,
          dataDir: join(config.dataDir, 'db'),
          onLog: (line) => logger.debug({ component: 'embedded-db' }, line),
        });
        cleanups.push(() => db.stop());
        databaseUri = db.uri;
        logger.info({ dataDir: config.dataDir }, 'embedded database started');
      }
      store = await openMongoStore({
        uri: databaseUri,
        database: config.mongodbDatabase,
        expiredRetentionSeconds: config.expiredInviteRetentionSeconds,
        onCommand: deps.onDatabaseCommand,
      });
      const opened = store;
      cleanups.push(() => opened.close());
    }

    let adminToken = config.adminToken;
    let adminTokenPath: string | undefined;
    if (!adminToken) {
      const loaded = await loadOrCreateAdminToken(config.dataDir);
      adminToken = loaded.token;
      adminTokenPath = loaded.path;
      logger.info({ path: loaded.path }, loaded.created ? 'admin token generated' : 'admin token read from file');
    }

    if (!store.expiresInvitesItself) {
      const stop = startExpirySweeper({
        invites: store.invites,
        retentionSeconds: config.expiredInviteRetentionSeconds,
        intervalMs: SWEEP_INTERVAL_MS,
        now,
        onError: (err) => logger.warn({ err }, 'sweeping expired invites failed'),
      });
      cleanups.push(stop);
    }

    const metrics = createMetrics({
      hosts: [...config.hosts.keys()],
      countKeysByHost: async () => {
        const hosts = [...config.hosts.keys()];
        return new Map(await Promise.all(hosts.map(async (h) => [h, (await store.keys.listByHost(h)).length] as const)));
      },
      keyCountCacheMs: KEY_COUNT_CACHE_MS,
      processMetrics: true,
    });
    const monitor = startHealthMonitor(store, config, logger, metrics);
    await monitor.start();
    cleanups.push(async () => monitor.stop());

    const onUnexpected = (err: unknown) => logger.error({ err }, 'unexpected error');
    const keyLookup = createCachedKeyLookup(store.keys);
    const keyAuthenticator = createKeyAuthenticator(keyLookup);
    const adminAuthenticator = createAdminAuthenticator(adminToken);
    const invites = countedInvites(createInviteService({ invites: store.invites, keyAuthenticator, adminAuthenticator, hosts: config.hosts, now }), metrics.invitesCreated);
    const inviteLifecycle = createInviteLifecycleService({
      invites: store.invites,
      callers: createCallerAuthenticator(keyAuthenticator, adminAuthenticator),
      hosts: config.hosts,
      now,
    });
    const keyAdmin = createKeyAdminService({ keys: store.keys, keyLookup, hosts: config.hosts, now });
    const facts = createRequestFactsTable();
    const operationalRoutes = [
      ...probeRoutes({ monitor, version: serverVersion(), startedAt: now(), now }),
      ...(config.metricsEnabled ? [[METRICS_PATH, metricsRoute(async () => ({ contentType: metrics.registry.contentType, text: await metrics.registry.metrics() }))] as const] : []),
    ];
    // Node's real request/response objects, which connect-node types more loosely.
    const adapter = connectNodeAdapter({
      routes: (router) => {
        connectRoutes({ invites, keyAdmin, adminAuthenticator, inviteLifecycle })(router);
        grpcHealthRoutes({ monitor, services: SERVED_SERVICES.map((s) => s.typeName) })(router);
        reflectionRoutes([...SERVED_SERVICES, Health])(router);
      },
      interceptors: [rpcOutcomeInterceptor(), errorMappingInterceptor(onUnexpected)],
      contextValues: facts.contextValues as ConnectNodeAdapterOptions['contextValues'],
      fallback: plainRoutes({ invites, inviteLifecycle, onUnexpected, facts, operationalRoutes }) as ConnectNodeAdapterOptions['fallback'],
    }) as (req: HttpRequest, res: HttpResponse) => void;
    const handler = observeRequests({ logger, metrics, facts }, adapter);
    const server = await listenOnePort({ handler, port: config.port, host: config.bindAddress });
    cleanups.push(() => server.close(config.shutdownTimeoutSeconds * 1000));
    // Runs before the drain above: health turns NOT_SERVING and Watch streams end, so they don't hold it up.
    cleanups.push(async () => monitor.stop());
    logger.info({ port: server.port, hosts: [...config.hosts.keys()] }, 'invites server listening');

    return { port: server.port, databaseUri, adminTokenPath, metrics, close: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
