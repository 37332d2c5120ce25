import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ConfigError, loadConfig } from '../config/config.js';
import { formatConfig } from '../config/print-config.js';
import { engineNotBuiltMessage } from '../embedded/embedded-db.js';
import { startApp } from './app.js';
import { createLogger } from './logger.js';
import { defaultEmbeddedDbBinary } from './package-root.js';

export interface RunServerOptions {
  env: Readonly<Record<string, string | undefined>>;
  configPath?: string;
  /** Pretty logs (a terminal) or JSON lines. */
  pretty: boolean;
  /** Print the effective configuration (secrets masked) to stdout and exit instead of serving. */
  printConfig?: 'yaml' | 'json';
}

/**
 * Runs the server until SIGTERM/SIGINT, then shuts down gracefully. Resolves with the exit
 * code: 0 after a clean shutdown (or a printed config), 78 for bad configuration, 1 when it
 * could not start.
 */
export async function runServer(options: RunServerOptions): Promise<number> {
  let config;
  try {
    const path = options.configPath ?? options.env.INVITES_CONFIG;
    const file = path ? { path, text: await readFile(path, 'utf8') } : undefined;
    config = loadConfig(options.env, file);
  } catch (err) {
    if (err instanceof ConfigError || (err as NodeJS.ErrnoException).code === 'ENOENT') {
      process.stderr.write(`invites: ${(err as Error).message}\n`);
      return 78;
    }
    throw err;
  }
  if (options.printConfig) {
    process.stdout.write(formatConfig(config, options.printConfig));
    return 0;
  }
  const embeddedDbBinary = options.env.INVITES_EMBEDDED_DB_BIN || defaultEmbeddedDbBinary();
  // No database at all is a configuration problem (a host without Go never built the engine):
  // say so before anything starts, not as a stack trace from the engine's start.
  if (!config.mongodbUri && !existsSync(embeddedDbBinary)) {
    process.stderr.write(`invites: ${engineNotBuiltMessage(embeddedDbBinary)}\n`);
    return 78;
  }
  const logger = createLogger(config.logLevel, options.pretty);
  let app;
  try {
    app = await startApp(config, { logger, embeddedDbBinary });
  } catch (err) {
    logger.fatal({ err }, 'the server could not start');
    return 1;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal }, 'shutting down: finishing in-flight requests');
  await app.close();
  logger.info('stopped');
  logger.flush();
  return 0;
}
