import { connectNodeAdapter, type ConnectNodeAdapterOptions } from '@connectrpc/connect-node';
import { join } from 'node:path';
import { InviteService as InviteServiceDesc } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin as KeyAdminDesc } from '../../gen/invites/v1/key_admin_pb.js';
import { Health } from '../../gen/health/v1/health_pb.js';
import type { Config } from '../config/config.js';
import { superviseEmbeddedDb } from '../embedded/embedded-db-supervisor.js';
import { randomToken } from '../domain/random-token.js';
import { startExpirySweeper } from '../service/expiry-sweeper.js';
import { createHealthMonitor, type HealthMonitor } from '../service/health-monitor.js';
import { openMongoStore } from '../store/mongo-store.js';
import type { Store } from '../store/store.js';
import { CLIENT_ADDRESS, clientAddressOf } from '../transport/client-address.js';
import { authFailureInterceptor, connectRoutes, errorMappingInterceptor } from '../transport/connect-routes.js';
import { grpcHealthRoutes } from '../transport/grpc-health-routes.js';
import { METRICS_PATH, metricsRoute } from '../transport/metrics-route.js';
import { probeRoutes } from '../transport/probe-routes.js';
import { reflectionRoutes } from '../transport/reflection-routes.js';
import { createRequestFactsTable, rpcOutcomeInterceptor } from '../transport/request-facts.js';
import type { HttpRequest, HttpResponse } from '../transport/http-types.js';
import { listenOnePort } from '../transport/one-port-server.js';
import { plainRoutes } from '../transport/plain-routes.js';
import { rpcCors } from '../transport/rpc-cors.js';
import { rpcRequestGuard } from '../transport/rpc-request-guard.js';
import { reportUnparsableMessagesAsInvalid } from '../transport/unparsable-message-errors.js';
import { loadOrCreateAdminToken } from './admin-token-file.js';
import { buildServices } from './build-services.js';
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
  /** Writes this instance's usage and rate-limit counts now and reads the other instances'. */
  syncCounters(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 60_000;
const KEY_COUNT_CACHE_MS = 10_000;
/** How long the server waits at start for a database that is not up yet. */
const DATABASE_START_TIMEOUT_MS = 30_000;
/** Largest RPC request message accepted; larger ones get RESOURCE_EXHAUSTED. */
export const MAX_RPC_MESSAGE_BYTES = 64 * 1024;
/** A failing background write is logged at most this often (it is retried meanwhile). */
const BACKGROUND_ERROR_LOG_INTERVAL_MS = 30_000;

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
      store = await openMongoStore({
        uri: databaseUri,
        database: config.mongodbDatabase,
        expiredRetentionSeconds: config.expiredInviteRetentionSeconds,
        serverSelectionTimeoutMS: config.databaseTimeoutMs,
        startTimeoutMs: DATABASE_START_TIMEOUT_MS,
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
    });
    const monitor = startHealthMonitor(store, config, logger, metrics);
    await monitor.start();
    cleanups.push(async () => monitor.stop());

    const onUnexpected = (err: unknown) => logger.error({ err }, 'unexpected error');
    let lastBackgroundLog = 0;
    const onBackgroundError = (err: unknown) => {
      if (Date.now() - lastBackgroundLog < BACKGROUND_ERROR_LOG_INTERVAL_MS) return;
      lastBackgroundLog = Date.now();
      logger.warn({ err }, 'writing usage or rate-limit counts failed; retrying in the background');
    };
    const instanceId = randomToken(6);
    const services = buildServices({ store, config, adminToken, now, instanceId, onBackgroundError });
    cleanups.push(() => services.stop());
    const { keyAdmin, adminAuthenticator, audit, authFailureGuard } = services;
    const invites = countedInvites(services.invites, metrics.invitesCreated);
    const clientAddress = clientAddressOf(config.trustedProxies);
    const facts = createRequestFactsTable();
    const operationalRoutes = [
      ...probeRoutes({ monitor, version: serverVersion(), startedAt: now(), now }),
      ...(config.metricsEnabled ? [[METRICS_PATH, metricsRoute(async () => ({ contentType: metrics.registry.contentType, text: await metrics.registry.metrics() }))] as const] : []),
    ];
    // Node's real request/response objects, which connect-node types more loosely.
    const adapter = connectNodeAdapter({
      routes: (router) => {
        connectRoutes({ invites, keyAdmin, adminAuthenticator, audit })(router);
        grpcHealthRoutes({ monitor, services: SERVED_SERVICES.map((s) => s.typeName) })(router);
        reflectionRoutes([...SERVED_SERVICES, Health])(router);
      },
      interceptors: [rpcOutcomeInterceptor(), errorMappingInterceptor(onUnexpected), authFailureInterceptor(authFailureGuard)],
      readMaxBytes: MAX_RPC_MESSAGE_BYTES,
      contextValues: ((req: HttpRequest) => facts.contextValues(req).set(CLIENT_ADDRESS, clientAddress(req))) as ConnectNodeAdapterOptions['contextValues'],
      fallback: plainRoutes({ invites, onUnexpected, facts, operationalRoutes, authFailureGuard, clientAddress }) as ConnectNodeAdapterOptions['fallback'],
    }) as (req: HttpRequest, res: HttpResponse) => void;
    const rpcServices = [...SERVED_SERVICES, Health];
    const answeredRpcPreflight = rpcCors(rpcServices);
    const answeredUnservableRpc = rpcRequestGuard(rpcServices);
    const handler = observeRequests({ logger, metrics, facts }, (req, res) => {
      if (answeredRpcPreflight(req, res)) return;
      if (answeredUnservableRpc(req, res)) return;
      reportUnparsableMessagesAsInvalid(req, res);
      adapter(req, res);
    });
    const server = await listenOnePort({ handler, port: config.port, host: config.bindAddress });
    cleanups.push(() => server.close(config.shutdownTimeoutSeconds * 1000));
    // Runs before the drain above: health turns NOT_SERVING and Watch streams end, so they don't hold it up.
    cleanups.push(async () => monitor.stop());
    logger.info({ port: server.port, hosts: [...config.hosts.keys()], instanceId }, 'invites server listening');

    return {
      port: server.port,
      databaseUri,
      adminTokenPath,
      metrics,
      close: cleanup,
      syncCounters: () => services.syncCounters(),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
