// The benchmarks' servers, each the real app in a child process (bench-server.ts) driven over IPC,
// and the median of repeated measurements.
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultEmbeddedDbBinary } from '../server/app/package-root.js';
import { startEmbeddedDb } from '../server/embedded/embedded-db.js';
import type { LoadResult } from './load.js';

/** MONGODB_URI, or the embedded engine in a temporary directory (removed by `stop`). */
export async function benchDatabase(): Promise<{ uri: string; stop: () => Promise<void> }> {
  if (process.env.MONGODB_URI) return { uri: process.env.MONGODB_URI, stop: async () => {} };
  const dir = await mkdtemp(join(os.tmpdir(), 'invites-bench-'));
  const db = await startEmbeddedDb({ binary: defaultEmbeddedDbBinary(), dataDir: dir });
  return {
    uri: db.uri,
    stop: async () => {
      await db.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A bench server's environment: its database, on port 0, quiet. */
export function benchServerEnv(uri: string, database: string, adminToken: string): Record<string, string> {
  return {
    MONGODB_URI: uri,
    MONGODB_DATABASE: database,
    INVITES_ADMIN_TOKEN: adminToken,
    PORT: '0',
    INVITES_BIND: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // Limits raised out of the way: the limiter still counts every request, but none is refused.
    INVITES_KEY_RATE_LIMIT: '1000000',
    INVITES_AUTH_FAILURE_LIMIT: '1000000',
    INVITES_PUBLIC_READ_LIMIT: '1000000',
  };
}

/** The median of the runs' rates and latencies (of an even number: the mean of the middle two); requests and errors summed. */
export function medianOf(results: LoadResult[]): LoadResult {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length / 2;
    return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
  };
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  return {
    requests: sum(results.map((r) => r.requests)),
    errors: sum(results.map((r) => r.errors)),
    seconds: sum(results.map((r) => r.seconds)),
    rps: median(results.map((r) => r.rps)),
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
  };
}

export function startServer(env: Record<string, string>, script = './bench-server.ts') {
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), [], {
    env: { PATH: process.env.PATH ?? '', ...env },
    execArgv: ['--import', 'tsx'],
  });
  const ask = (type: string) =>
    new Promise<any>((resolve) => {
      const on = (m: any) => {
        if (m.type === type) {
          child.off('message', on);
          resolve(m);
        }
      };
      child.on('message', on);
      child.send({ type });
    });
  const ready = new Promise<number>((resolve, reject) => {
    child.on('message', (m: any) => m.type === 'ready' && resolve(m.port));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return {
    ready,
    commands: async () => (await ask('commands')).commands as number,
    created: async () => (await ask('created')).created as number,
    /** CPU time the server has used so far, µs. */
    cpu: async () => (await ask('cpu')).micros as number,
    /** Spans the server made since the last ask (BENCH_TRACING=memory). */
    spans: async () => (await ask('spans')).spans as number,
    stop: () => child.send({ type: 'stop' }),
    child,
  };
}
