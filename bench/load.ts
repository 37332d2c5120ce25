import { performance } from 'node:perf_hooks';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Runs `total` calls of `call` (or as many as fit in `{ seconds }`) with `concurrency` in flight;
 * latencies in ms.
 */
export async function runLoad(concurrency: number, total: number | { seconds: number }, call: () => Promise<unknown>): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const more = typeof total === 'number' ? () => next++ < total : () => performance.now() - started < total.seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (more()) {
        const t = performance.now();
        try {
          await call();
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const requests = latencies.length;
  return { requests, errors, seconds, rps: requests / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}
