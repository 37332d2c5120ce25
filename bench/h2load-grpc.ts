import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { percentile, type LoadResult } from './load.js';

const run = promisify(execFile);

/** True when nghttp2's h2load (Debian: nghttp2-client) is on the PATH. */
export async function haveH2load(): Promise<boolean> {
  return run('h2load', ['--version']).then(
    () => true,
    () => false,
  );
}

/**
 * Unary gRPC calls with an empty request message, `concurrency` streams in flight on one HTTP/2
 * connection (as a gRPC channel does), driven by h2load: a C client, so the load generator
 * takes little of the CPU the server and database share. h2load knows HTTP status only, not
 * grpc-status: the caller checks the calls' effect (errors = calls that stored nothing).
 */
export async function h2loadGrpc(
  url: string,
  headers: Record<string, string>,
  concurrency: number,
  /** A number of calls, or `{ seconds }` to run for that long (whole seconds). */
  amount: number | { seconds: number },
): Promise<Omit<LoadResult, 'errors'> & { non200: number }> {
  const dir = await mkdtemp(join(os.tmpdir(), 'invites-h2load-'));
  try {
    const body = join(dir, 'request.bin');
    const log = join(dir, 'requests.tsv');
    await writeFile(body, Buffer.from([0, 0, 0, 0, 0])); // one uncompressed frame of an empty message
    const headerArgs = Object.entries({ 'content-type': 'application/grpc', te: 'trailers', ...headers }).flatMap(([k, v]) => [
      '-H',
      `${k}: ${v}`,
    ]);
    const length = typeof amount === 'number' ? ['-n', String(amount)] : ['-D', String(Math.max(1, Math.round(amount.seconds)))];
    await run('h2load', [...length, '-c', '1', '-m', String(concurrency), '-d', body, ...headerArgs, '--log-file', log, url], {
      maxBuffer: 16 << 20,
    });
    // One row per request: start (µs since the epoch), HTTP status, µs until the response ended.
    const rows = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => line.split('\t').map(Number) as [number, number, number]);
    const first = Math.min(...rows.map(([start]) => start));
    const last = Math.max(...rows.map(([start, , took]) => start + took));
    const latencies = rows.map(([, , took]) => took / 1000).sort((a, b) => a - b);
    const seconds = (last - first) / 1e6;
    return {
      requests: rows.length,
      seconds,
      rps: rows.length / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      non200: (typeof amount === 'number' ? amount : rows.length) - rows.filter(([, status]) => status === 200).length,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
