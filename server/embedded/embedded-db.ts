import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface EmbeddedDbExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface EmbeddedDb {
  /** `mongodb://127.0.0.1:PORT/` */
  uri: string;
  /** Settles when the engine's process has ended, whatever ended it (stop() included). */
  exited: Promise<EmbeddedDbExit>;
  stop(): Promise<void>;
}

export interface EmbeddedDbOptions {
  /** The Go-built FerretDB wrapper (embedded-db/bin/invites-embedded-db). */
  binary: string;
  dataDir: string;
  startTimeoutMs?: number;
  onLog?: (line: string) => void;
  /** A fixed port on 127.0.0.1 (e.g. to restart on the same address); default: any free one. */
  port?: number;
}

/** Why there is no database when the engine is not built, and the two ways out. */
export function engineNotBuiltMessage(binary: string): string {
  return (
    `no database: MONGODB_URI is not set and the embedded database is not built (${binary} is missing). ` +
    'Set MONGODB_URI to a MongoDB connection string, or install Go >= 1.24 and patch, then run "npm run build:db".'
  );
}

/**
 * Starts the embedded MongoDB-compatible engine (FerretDB on SQLite) and waits until it
 * accepts connections. Its stdin is a pipe, so it exits by itself if this process dies.
 */
export async function startEmbeddedDb(options: EmbeddedDbOptions): Promise<EmbeddedDb> {
  if (!existsSync(options.binary)) {
    throw new Error(engineNotBuiltMessage(options.binary));
  }
  const child = spawn(
    options.binary,
    ['--listen', `127.0.0.1:${options.port ?? 0}`, '--data-dir', options.dataDir, '--exit-on-stdin-eof'],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<EmbeddedDbExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 20) stderr.shift();
    options.onLog?.(line);
  });

  const uri = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the embedded database did not start within ${options.startTimeoutMs ?? 30_000} ms`)),
      options.startTimeoutMs ?? 30_000,
    );
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const m = /^READY (mongodb:\/\/\S+)$/.exec(line.trim());
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the embedded database exited with ${signal ?? `code ${code}`} before it was ready:\n${stderr.join('\n')}`));
    });
  }).catch(async (err) => {
    child.kill('SIGKILL');
    throw err;
  });

  return {
    uri,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    },
  };
}
