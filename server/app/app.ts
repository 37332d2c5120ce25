import { createContextValues } from '@connectrpc/connect';
import { connectNodeAdapter, type ConnectNodeAdapterOptions } from '@connectrpc/connect-node';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { startEmbeddedDb, type EmbeddedDb } from '../embedded/embedded-db.js';
import { randomToken } from '../domain/random-token.js';
import { startExpirySweeper } from '../service/expiry-sweeper.js';
import { openMongoStore } from '../store/mongo-store.js';
import type { Store } from '../store/store.js';
import { CLIENT_ADDRESS, clientAddressOf } from '../transport/client-address.js';
import { authFailureInterceptor, connectRoutes, errorMappingInterceptor } from '../transport/connect-routes.js';
import type { HttpRequest, HttpResponse } from '../transport/http-types.js';
import { rpcRequestGuard } from '../transport/rpc-request-guard.js';
import { reportUnparsableMessagesAsInvalid } from '../transport/unparsable-message-errors.js';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import { listenOnePort } from '../transport/one-port-server.js';
import { plainRoutes } from '../transport/plain-routes.js';
import { loadOrCreateAdminToken } from './admin-token-file.js';
import { buildServices } from './build-services.js';
import { redactUrl, type Logger } from './logger.js';

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
  close(): Promise<void>;
  /** Writes this instance's usage and rate-limit counts now and reads the other instances'. */
  syncCounters(): Promise<void>;
  /** Whether the database is reachable, as far as the driver knows now (no I/O): for readiness. */
  databaseAvailable(): boolean;
}

const SWEEP_INTERVAL_MS = 60_000;
/** How long the server waits at start for a database that is not up yet. */
const DATABASE_START_TIMEOUT_MS = 30_000;
/** Largest RPC request message accepted; larger ones get RESOURCE_EXHAUSTED. */
export const MAX_RPC_MESSAGE_BYTES = 64 * 1024;
/** A failing background write is logged at most this often (it is retried meanwhile). */
const BACKGROUND_ERROR_LOG_INTERVAL_MS = 30_000;

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
    const clientAddress = clientAddressOf(config.trustedProxies);
    // Node's real request/response objects, which connect-node types more loosely.
    const adapter = connectNodeAdapter({
      routes: connectRoutes(services),
      interceptors: [errorMappingInterceptor(onUnexpected), authFailureInterceptor(services.authFailureGuard)],
      readMaxBytes: MAX_RPC_MESSAGE_BYTES,
      contextValues: (req) => createContextValues().set(CLIENT_ADDRESS, clientAddress(req as HttpRequest)),
      fallback: plainRoutes({ invites: services.invites, onUnexpected, authFailureGuard: services.authFailureGuard, clientAddress }) as ConnectNodeAdapterOptions['fallback'],
    }) as (req: HttpRequest, res: HttpResponse) => void;
    const answeredUnservableRpc = rpcRequestGuard([InviteService, KeyAdmin]);
    const handler = (req: HttpRequest, res: HttpResponse) => {
      const started = process.hrtime.bigint();
      res.once('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        logger.info({ method: req.method, url: redactUrl(req.url), status: res.statusCode, ms: Math.round(ms * 100) / 100 }, 'request');
      });
      if (answeredUnservableRpc(req, res)) return;
      reportUnparsableMessagesAsInvalid(req, res);
      adapter(req, res);
    };
    const server = await listenOnePort({ handler, port: config.port, host: config.bindAddress });
    cleanups.push(() => server.close(config.shutdownTimeoutSeconds * 1000));
    logger.info({ port: server.port, hosts: [...config.hosts.keys()], instanceId }, 'invites server listening');

    const available = store;
    return {
      port: server.port,
      databaseUri,
      adminTokenPath,
      close: cleanup,
      syncCounters: () => services.syncCounters(),
      databaseAvailable: () => available.isAvailable(),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
