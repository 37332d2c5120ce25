import { connectNodeAdapter, type ConnectNodeAdapterOptions } from '@connectrpc/connect-node';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { startEmbeddedDb, type EmbeddedDb } from '../embedded/embedded-db.js';
import { createAdminAuthenticator } from '../service/admin-authenticator.js';
import { createCallerAuthenticator } from '../service/caller-authenticator.js';
import { startExpirySweeper } from '../service/expiry-sweeper.js';
import { createInviteLifecycleService } from '../service/invite-lifecycle-service.js';
import { createInviteService } from '../service/invite-service.js';
import { createKeyAdminService } from '../service/key-admin-service.js';
import { createKeyAuthenticator } from '../service/key-authenticator.js';
import { createCachedKeyLookup } from '../service/key-lookup.js';
import { openMongoStore } from '../store/mongo-store.js';
import type { Store } from '../store/store.js';
import { connectRoutes, errorMappingInterceptor } from '../transport/connect-routes.js';
import type { HttpRequest, HttpResponse } from '../transport/http-types.js';
import { listenOnePort } from '../transport/one-port-server.js';
import { plainRoutes } from '../transport/plain-routes.js';
import { loadOrCreateAdminToken } from './admin-token-file.js';
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
}

const SWEEP_INTERVAL_MS = 60_000;

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

    const onUnexpected = (err: unknown) => logger.error({ err }, 'unexpected error');
    const keyLookup = createCachedKeyLookup(store.keys);
    const keyAuthenticator = createKeyAuthenticator(keyLookup);
    const adminAuthenticator = createAdminAuthenticator(adminToken);
    const invites = createInviteService({ invites: store.invites, keyAuthenticator, adminAuthenticator, hosts: config.hosts, now });
    const inviteLifecycle = createInviteLifecycleService({
      invites: store.invites,
      callers: createCallerAuthenticator(keyAuthenticator, adminAuthenticator),
      hosts: config.hosts,
      now,
    });
    const keyAdmin = createKeyAdminService({ keys: store.keys, keyLookup, hosts: config.hosts, now });
    // Node's real request/response objects, which connect-node types more loosely.
    const adapter = connectNodeAdapter({
      routes: connectRoutes({ invites, keyAdmin, adminAuthenticator, inviteLifecycle }),
      interceptors: [errorMappingInterceptor(onUnexpected)],
      fallback: plainRoutes({ invites, inviteLifecycle, onUnexpected }) as ConnectNodeAdapterOptions['fallback'],
    }) as (req: HttpRequest, res: HttpResponse) => void;
    const handler = (req: HttpRequest, res: HttpResponse) => {
      const started = process.hrtime.bigint();
      res.once('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        logger.info({ method: req.method, url: redactUrl(req.url), status: res.statusCode, ms: Math.round(ms * 100) / 100 }, 'request');
      });
      adapter(req, res);
    };
    const server = await listenOnePort({ handler, port: config.port, host: config.bindAddress });
    cleanups.push(() => server.close(config.shutdownTimeoutSeconds * 1000));
    logger.info({ port: server.port, hosts: [...config.hosts.keys()] }, 'invites server listening');

    return { port: server.port, databaseUri, adminTokenPath, close: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
