// npm run bench:tracing: what tracing costs. The same load against a server with tracing off (no
// tracer provider: the default without OTEL_EXPORTER_OTLP_ENDPOINT) and one with every request
// traced into an in-memory exporter through the batch processor (the SDK's whole work, as with
// OTLP, minus the network). On the in-memory store, where the server's own CPU is the limit and
// tracing's cost shows most, and on the embedded engine (or MONGODB_URI), where each request also
// gets its database spans. Off and on alternate in TRACING_ROUNDS rounds (default 4, each taking
// the other first in turn); medians. BENCH_REQUESTS per measurement (default 2000).
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { InviteService } from '../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../gen/invites/v1/key_admin_pb.js';
import { autocannonLoad, type AutocannonRequest } from './autocannon-load.js';
import { benchDatabase, benchServerEnv, medianOf, startServer } from './bench-process.js';
import type { LoadResult } from './load.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const ROUNDS = Number(process.env.TRACING_ROUNDS ?? 4);
const CONCURRENCY = 32;
const ADMIN_TOKEN = randomBytes(32).toString('base64url');

type Mode = 'off' | 'on';
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[Math.floor((sorted.length - 1) / 2)]! + sorted[Math.ceil((sorted.length - 1) / 2)]!) / 2;
};
const percent = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)} %`;
interface Row {
  store: string;
  path: string;
  off: LoadResult;
  on: LoadResult;
  /** The server's CPU time per request (median of the rounds), µs. */
  cpuOff: number;
  cpuOn: number;
  /** Spans the traced server made per request (server span + database spans). */
  spansPerRequest: number;
}

async function main() {
  const { uri, stop: stopDb } = await benchDatabase();
  const serverEnv = (database: string, extra: Record<string, string>) => ({ ...benchServerEnv(uri, database, ADMIN_TOKEN), ...extra });
  const db = `bench_tracing_${Date.now()}`;
  const servers = {
    memory: {
      off: startServer(serverEnv(`${db}_unused`, { BENCH_STORE: 'memory' })),
      on: startServer(serverEnv(`${db}_unused`, { BENCH_STORE: 'memory', BENCH_TRACING: 'memory' })),
    },
    database: {
      off: startServer(serverEnv(`${db}_off`, {})),
      on: startServer(serverEnv(`${db}_on`, { BENCH_TRACING: 'memory' })),
    },
  };
  const rows: Row[] = [];
  try {
    for (const [store, pair] of Object.entries(servers)) {
      const targets = {} as Record<Mode, { get: AutocannonRequest; connect: AutocannonRequest }>;
      for (const mode of ['off', 'on'] as const) {
        const base = `http://127.0.0.1:${await pair[mode].ready}`;
        const { fullKey } = await createClient(KeyAdmin, createConnectTransport({ baseUrl: base, httpVersion: '1.1' })).createKey(
          { host: 'localhost', name: 'bench' },
          { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
        );
        const auth = { authorization: `Bearer ${fullKey}` };
        targets[mode] = {
          get: { url: `${base}/invites_api`, headers: auth, expectStatus: 201 },
          connect: {
            url: `${base}/${InviteService.typeName}/${InviteService.method.createInvite.name}`,
            method: 'POST',
            headers: { ...auth, 'content-type': 'application/proto', 'connect-protocol-version': '1' },
            body: '',
            expectStatus: 200,
          },
        };
      }
      for (const [path, pick] of [
        ['`GET /invites_api`', (t: (typeof targets)['off']) => t.get],
        ['`CreateInvite`, Connect (HTTP/1.1)', (t: (typeof targets)['off']) => t.connect],
      ] as const) {
        // Warm-up: JIT, pools, the key cache.
        for (const mode of ['off', 'on'] as const) await autocannonLoad(pick(targets[mode]), 8, 300);
        await pair.on.spans();
        const results: Record<Mode, LoadResult[]> = { off: [], on: [] };
        const cpu: Record<Mode, number[]> = { off: [], on: [] };
        for (let round = 0; round < ROUNDS; round++) {
          const order: Mode[] = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
          for (const mode of order) {
            const before = await pair[mode].cpu();
            results[mode].push(await autocannonLoad(pick(targets[mode]), CONCURRENCY, REQUESTS));
            cpu[mode].push(((await pair[mode].cpu()) - before) / REQUESTS);
          }
        }
        const spans = await pair.on.spans();
        if ((await pair.off.spans()) !== 0) throw new Error('the server without tracing made spans');
        const row = {
          store,
          path,
          off: medianOf(results.off),
          on: medianOf(results.on),
          cpuOff: median(cpu.off),
          cpuOn: median(cpu.on),
          spansPerRequest: spans / (REQUESTS * ROUNDS),
        };
        if (row.off.errors + row.on.errors > 0) throw new Error(`${store} ${path}: ${row.off.errors + row.on.errors} errors`);
        rows.push(row);
        console.log(
          `${store.padEnd(9)} ${path.padEnd(36)} ` +
            `off ${row.off.rps.toFixed(0).padStart(6)} req/s  on ${row.on.rps.toFixed(0).padStart(6)} req/s  ` +
            `${((row.on.rps / row.off.rps - 1) * 100).toFixed(1).padStart(6)} %  p99 ${row.off.p99} → ${row.on.p99} ms  ` +
            `CPU ${row.cpuOff.toFixed(0)} → ${row.cpuOn.toFixed(0)} µs/request  ${row.spansPerRequest.toFixed(2)} spans/request`,
        );
      }
    }
  } finally {
    for (const pair of Object.values(servers)) for (const s of Object.values(pair)) s.stop();
    await new Promise((r) => setTimeout(r, 500));
    await stopDb();
  }
  console.log('\n| store | path | c | req/s off | req/s on | change | CPU µs/request off | CPU µs/request on | change | spans/request |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.store} | ${r.path} | ${CONCURRENCY} | ${r.off.rps.toFixed(0)} | ${r.on.rps.toFixed(0)} | ` +
        `${percent(r.on.rps / r.off.rps)} | ${r.cpuOff.toFixed(0)} | ${r.cpuOn.toFixed(0)} | ${percent(r.cpuOn / r.cpuOff)} | ` +
        `${r.spansPerRequest.toFixed(2)} |`,
    );
  }
  const date = new Date().toISOString();
  const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `tracing-${date.replace(/[:.]/g, '-')}.json`);
  const cpu = `${os.cpus().length} × ${os.cpus()[0]?.model}`;
  await writeFile(file, JSON.stringify({ date, cpu, node: process.version, requests: REQUESTS, rounds: ROUNDS, rows }, null, 2) + '\n');
  console.log(`\nwritten to ${file}`);
}

await main();
