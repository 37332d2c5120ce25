import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startApp, type App, type AppDeps } from '../../server/app/app.js';
import { defaultEmbeddedDbBinary } from '../../server/app/package-root.js';
import { loadConfig } from '../../server/config/config.js';
import { randomToken } from '../../server/domain/random-token.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface TestServer {
  app: App;
  url: string;
  port: number;
  adminToken: string;
  dataDir: string;
  database: TestDatabase;
  /** Every log line the server wrote. */
  logs: string[];
  stop(): Promise<void>;
}

/**
 * A real server on port 0 with its own database and data directory.
 * `env` holds extra environment settings (e.g. INVITES_HOSTS); `configFile` a YAML config file's
 * text, for per-host settings (its hosts replace the default two); `deps` extra app dependencies (e.g. a tracer provider).
 */
export async function startTestServer(
  env: Record<string, string> = {},
  options: { database?: TestDatabase; configFile?: string; deps?: Partial<AppDeps> } = {},
): Promise<TestServer> {
  // A second instance may share the first one's database (the first one drops it).
  const database = options.database ?? (await createTestDatabase());
  const dataDir = await mkdtemp(join(tmpdir(), 'invites-test-data-'));
  const adminToken = env.INVITES_ADMIN_TOKEN ?? randomToken(32);
  const config = loadConfig(
    {
      PORT: '0',
      INVITES_BIND: '127.0.0.1',
      MONGODB_URI: database.uri,
      MONGODB_DATABASE: database.name,
      INVITES_DATA_DIR: dataDir,
      INVITES_ADMIN_TOKEN: adminToken,
      ...(options.configFile ? {} : { INVITES_HOSTS: 'localhost=http://localhost:8080,example.com=https://example.com' }),
      LOG_LEVEL: 'info',
      // Generous limits, so tests of other things are not rate limited; limit tests set their own.
      INVITES_KEY_RATE_LIMIT: '100000',
      INVITES_AUTH_FAILURE_LIMIT: '100000',
      INVITES_PUBLIC_READ_LIMIT: '100000',
      ...env,
    },
    options.configFile ? { path: 'test-config.yaml', text: options.configFile } : undefined,
  );
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const app = await startApp(config, {
    logger: pino({ level: config.logLevel }, sink),
    embeddedDbBinary: defaultEmbeddedDbBinary(),
    ...options.deps,
  });
  return {
    app,
    url: `http://127.0.0.1:${app.port}`,
    port: app.port,
    adminToken,
    dataDir,
    database,
    logs,
    async stop() {
      await app.close();
      if (!options.database) await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
