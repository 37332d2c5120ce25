// The benchmarks' servers, each the real app in a child process (bench-server.ts) driven over IPC,
// and the median of repeated measurements.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadResult } from './load.js';

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
