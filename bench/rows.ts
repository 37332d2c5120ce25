// The bench's table: one row per measurement, with the CPU time the serving process spent per
// request and the rate as a multiple of the driver's own inserts and of Prosody's at the same
// concurrency.
import type { LoadResult } from './load.js';
import { processCpuMicros } from './process-cpu.js';

export interface Row extends LoadResult {
  name: string;
  concurrency: number;
  /** What made the requests: wrk, h2load, autocannon, the MongoDB driver or the connect-node client. */
  client: string;
  /** CPU time the serving process used per request, ms (for the driver rows: the bench's own process). */
  cpuMsPerRequest?: number;
  baseline?: number;
  ratio?: number;
  /** Prosody's mod_invites_api at the same concurrency, invites/s, and this row's rate over it. */
  prosody?: number;
  ratioToProsody?: number;
  note?: string;
}

/** The process whose CPU time a row charges to its requests: a pid, or this process. */
export type Serving = number | 'self';

const cpuOf = async (serving: Serving) => (serving === 'self' ? ((u) => u.user + u.system)(process.cpuUsage()) : processCpuMicros(serving));

/** Runs `load` and the serving process's CPU time around it; CPU per request in ms. */
export async function withCpu(serving: Serving, load: () => Promise<LoadResult>): Promise<LoadResult & { cpuMsPerRequest?: number }> {
  const before = await cpuOf(serving);
  const result = await load();
  const after = await cpuOf(serving);
  const cpuMsPerRequest =
    before !== undefined && after !== undefined && result.requests > 0 ? (after - before) / 1000 / result.requests : undefined;
  return { ...result, cpuMsPerRequest };
}

const num = (n: number | undefined, digits: number, width: number) => (n === undefined ? '' : n.toFixed(digits)).padStart(width);

export function printRow(row: Row): void {
  console.log(
    `${row.name.padEnd(44)} c=${String(row.concurrency).padEnd(4)} ${num(row.rps, 0, 7)} req/s  ` +
      `p50 ${num(row.p50, 2, 7)} ms  p99 ${num(row.p99, 2, 7)} ms  errors ${row.errors}` +
      (row.cpuMsPerRequest !== undefined ? `  CPU ${num(row.cpuMsPerRequest, 3, 6)} ms/req` : '') +
      (row.ratioToProsody !== undefined ? `  ${row.ratioToProsody.toFixed(2)}× Prosody` : '') +
      (row.ratio !== undefined ? `  ${row.ratio.toFixed(2)}× driver` : ''),
  );
}

/** A Markdown table of the rows, as bench/README.md shows them. */
export function markdownTable(rows: readonly Row[]): string {
  const cell = (n: number | undefined, digits: number) => (n === undefined ? '' : n.toFixed(digits));
  return [
    '| path | client | c | req/s | p50 ms | p99 ms | CPU ms/req | × Prosody | × driver insert |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.client} | ${r.concurrency} | ${cell(r.rps, 0)} | ${cell(r.p50, 1)} | ${cell(r.p99, 1)} | ` +
        `${cell(r.cpuMsPerRequest, 3)} | ${cell(r.ratioToProsody, 2)} | ${cell(r.ratio, 2)} |`,
    ),
  ].join('\n');
}
