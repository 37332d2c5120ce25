// Every request path a client can trigger, on a database holding nothing vs BENCH_FILL invites
// (default 1,000,000, each with its index entries; every 5th redeemed once, with its audit event;
// every 10th made by an inviter): each path must keep FLAT_ENOUGH of its rate with the database
// empty. And the first page of every listing, one call at a time: under FIRST_PAGE_MS when full.
// Run by `npm run bench` (runDataGrowth), or alone: `npx tsx bench/data-growth.ts`
// (BENCH_FILL=20000 BENCH_REQUESTS=600 for a quick look). MONGODB_URI to use another database.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient, type Db } from 'mongodb';
import type { AuditRecord } from '../server/domain/audit.js';
import type { InviteRecord } from '../server/domain/invite.js';
import { entriesOf } from '../server/store/mongo-invite-index.js';
import { toInviteDocument } from '../server/store/mongo-invite-store.js';
import { auditDocument } from '../server/store/mongo-support-collections.js';
import { benchDatabase, benchServerEnv, medianOf, startServer } from './bench-process.js';
import { percentile, type LoadResult } from './load.js';

const FILL = Number(process.env.BENCH_FILL ?? 1_000_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const CONCURRENCY = 32;
const FLAT_ENOUGH = 0.8;
const FIRST_PAGE_MS = 100;
const HOST = 'localhost';
const DAY = 86_400_000;

/** A server of the benchmark and the key made on it. */
interface Target {
  base: string;
  key: string;
  keyId: string;
}

export interface GrowthResult {
  stored: number;
  paths: { path: string; emptyRps: number; fullRps: number; ratioToEmpty: number }[];
  firstPages: { listing: string; emptyMs: number; fullMs: number }[];
  failures: string[];
}

/** A Connect JSON call; throws on anything but 200. */
async function rpc(target: Target, method: string, body: object, auth: string | undefined = target.key): Promise<any> {
  const service = ['ListKeys', 'ListAudit', 'CreateKey'].includes(method) ? 'KeyAdmin' : 'InviteService';
  const res = await fetch(`${target.base}/invites.v1.${service}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method}: ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

/** `total` calls of `call(i)` with CONCURRENCY in flight. */
async function load(total: number, call: (i: number) => Promise<unknown>): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t = performance.now();
        await call(i).catch(() => errors++);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { requests: total, errors, seconds, rps: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** `count` invites made through the API, `maxUses` uses each. */
async function invitesOn(target: Target, count: number, maxUses = 1): Promise<string[]> {
  const tokens: string[] = [];
  const made = await load(count, async () => tokens.push((await rpc(target, 'CreateInvite', { maxUses })).invite.token));
  if (made.errors > 0) throw new Error(`${made.errors} invites of the preparation were not made`);
  return tokens;
}

/**
 * The paths: each prepares what one run of `n` requests needs (before the clock starts), then
 * makes request `i`.
 */
function paths(): Array<{ path: string; prepare: (t: Target, n: number) => Promise<(i: number) => Promise<unknown>> }> {
  const withRedemptions = async (t: Target) => {
    const [token] = await invitesOn(t, 1, 10);
    for (let n = 0; n < 5; n++) await rpc(t, 'RedeemInvite', { token, account: `reader${n}` });
    return token!;
  };
  // Enough invites that the requests in flight never share one (their claims would collide).
  const spread = async (t: Target, n: number) => invitesOn(t, 2 * CONCURRENCY, Math.ceil(n / (2 * CONCURRENCY)));
  return [
    { path: 'CreateInvite', prepare: async (t) => () => rpc(t, 'CreateInvite', {}) },
    {
      path: 'GetInvite, public',
      prepare: async (t) => {
        const token = await withRedemptions(t);
        return () => rpc(t, 'GetInvite', { token }, '');
      },
    },
    {
      path: 'GetInvite, with the key',
      prepare: async (t) => {
        const token = await withRedemptions(t);
        return () => rpc(t, 'GetInvite', { token });
      },
    },
    {
      path: 'landing page',
      prepare: async (t) => {
        const token = await withRedemptions(t);
        return async () => {
          const res = await fetch(`${t.base}/invite?${token}`);
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`landing page: ${res.status}`);
        };
      },
    },
    {
      path: 'RedeemInvite',
      prepare: async (t, n) => {
        const tokens = await spread(t, n);
        return (i) => rpc(t, 'RedeemInvite', { token: tokens[i % tokens.length], account: `user${i}` });
      },
    },
    {
      path: 'RevokeInvite',
      prepare: async (t, n) => {
        const tokens = await invitesOn(t, n);
        return (i) => rpc(t, 'RevokeInvite', { token: tokens[i] });
      },
    },
    {
      path: 'HoldInvite + ConfirmInvite',
      prepare: async (t, n) => {
        const tokens = await spread(t, n);
        return async (i) => {
          const token = tokens[i % tokens.length];
          const { holdId } = await rpc(t, 'HoldInvite', { token, account: `user${i}` });
          await rpc(t, 'ConfirmInvite', { token, holdId });
        };
      },
    },
  ];
}

/** The listings whose first page is timed, as the admin or the key asks them. */
function listings(adminToken: string): Array<{ listing: string; call: (t: Target) => Promise<unknown> }> {
  return [
    { listing: 'ListInvites, a host (admin)', call: (t) => rpc(t, 'ListInvites', { host: HOST }, adminToken) },
    { listing: 'ListInvites, valid only', call: (t) => rpc(t, 'ListInvites', { host: HOST, status: 'INVITE_STATUS_VALID' }, adminToken) },
    {
      listing: 'ListInvites, expired only',
      call: (t) => rpc(t, 'ListInvites', { host: HOST, status: 'INVITE_STATUS_EXPIRED' }, adminToken),
    },
    { listing: 'ListInvites, one inviter', call: (t) => rpc(t, 'ListInvites', { host: HOST, inviter: 'alice' }, adminToken) },
    { listing: 'ListInvites, a key its own', call: (t) => rpc(t, 'ListInvites', {}) },
    { listing: 'ListKeys', call: (t) => rpc(t, 'ListKeys', { host: HOST }, adminToken) },
    { listing: 'ListAudit', call: (t) => rpc(t, 'ListAudit', { host: HOST }, adminToken) },
  ];
}

/** FILL invites of `target`'s key as the store writes them, over the last 30 days, with their entries, redemptions and audit events. */
async function fill(db: Db, target: Target): Promise<void> {
  const started = performance.now();
  process.stdout.write(`\nfilling a database with ${FILL} invites (index entries, redemptions, audit events)...`);
  const now = Date.now();
  for (let n = 0; n < FILL;) {
    const invites: InviteRecord[] = [];
    for (const end = Math.min(n + 5000, FILL); n < end; n++) {
      const createdAt = new Date(now - 30 * DAY + Math.floor((n / FILL) * 29 * DAY));
      invites.push({
        token: randomBytes(18).toString('base64url'),
        host: HOST,
        kind: 'register',
        createdAt,
        expiresAt: new Date(createdAt.getTime() + 60 * DAY),
        source: `api/token/${target.keyId}`,
        keyId: target.keyId,
        maxUses: 1,
        roles: [],
        groups: [],
        note: '',
        ...(n % 10 === 0 ? { inviter: 'alice' } : {}),
      });
    }
    const redeemed = invites.filter((_, i) => i % 5 === 0);
    const at = (i: InviteRecord) => new Date(i.createdAt.getTime() + 60_000);
    const events: AuditRecord[] = redeemed.map((i) => ({
      at: at(i),
      action: 'invite_redeemed',
      actor: `key:${target.keyId}`,
      host: HOST,
      keyId: target.keyId,
      inviteToken: i.token,
    }));
    await Promise.all([
      db.collection('invites').insertMany(invites.flatMap(entriesOf) as never[], { ordered: false }),
      db.collection('invites').insertMany(invites.map(toInviteDocument) as never[], { ordered: false }),
      db.collection('redemptions').insertMany(
        redeemed.map((i) => ({
          _id: `${i.token}:1`,
          token: i.token,
          kind: 'use',
          use: 1,
          account: 'filler',
          at: at(i),
          inviteExpiresAt: i.expiresAt,
        })) as never[],
        { ordered: false },
      ),
      db.collection('audit').insertMany(events.map(auditDocument) as never[], { ordered: false }),
    ]);
  }
  console.log(` ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

/** Medians of four runs on each, taking turns (the first of two back-to-back runs is often the faster). */
async function emptyVsFull(run: (t: Target) => Promise<LoadResult>, empty: Target, full: Target) {
  const runs: { empty: LoadResult[]; full: LoadResult[] } = { empty: [], full: [] };
  for (let i = 0; i < 4; i++) {
    for (const side of i % 2 === 0 ? (['empty', 'full'] as const) : (['full', 'empty'] as const)) {
      runs[side].push(await run(side === 'empty' ? empty : full));
    }
  }
  const rates = (results: LoadResult[]) => results.map((r) => r.rps.toFixed(0)).join(', ');
  return { empty: medianOf(runs.empty), full: medianOf(runs.full), runs: `runs: ${rates(runs.empty)} empty; ${rates(runs.full)} full` };
}

async function timeFirstPage(call: () => Promise<unknown>): Promise<number> {
  await call(); // warm: the first range read of a collection builds its index on the embedded engine
  const times: number[] = [];
  for (let i = 0; i < 9; i++) {
    const t = performance.now();
    await call();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[4]!;
}

/** Starts a server on an empty database and one on a full one, measures, stops them. */
export async function runDataGrowth(uri: string, adminToken: string): Promise<GrowthResult> {
  const name = `bench_growth_${Date.now()}`;
  const client = await MongoClient.connect(uri, { writeConcern: { w: 'majority', journal: true } });
  const servers = [
    startServer(benchServerEnv(uri, `${name}_empty`, adminToken)),
    startServer(benchServerEnv(uri, `${name}_full`, adminToken)),
  ];
  try {
    const [empty, full] = await Promise.all(
      servers.map(async (s) => {
        const t: Target = { base: `http://127.0.0.1:${await s.ready}`, key: '', keyId: '' };
        const { fullKey } = await rpc(t, 'CreateKey', { host: HOST, name: 'bench' }, adminToken);
        return { ...t, key: fullKey as string, keyId: (fullKey as string).split('/')[0]! };
      }),
    );
    await fill(client.db(`${name}_full`), full!);
    await new Promise((r) => setTimeout(r, 5000)); // what the bulk load left behind (checkpoints)
    const result: GrowthResult = { stored: FILL, paths: [], firstPages: [], failures: [] };
    console.log(
      `\nfirst page of each listing (of the invites filled in), one call at a time (median of 9 ms), empty vs ${FILL} invites stored:`,
    );
    for (const { listing, call } of listings(adminToken)) {
      const emptyMs = await timeFirstPage(() => call(empty!));
      const fullMs = await timeFirstPage(() => call(full!));
      result.firstPages.push({ listing, emptyMs, fullMs });
      console.log(`  ${listing.padEnd(28)} ${emptyMs.toFixed(1).padStart(6)} ms empty  ${fullMs.toFixed(1).padStart(6)} ms full`);
      if (fullMs > FIRST_PAGE_MS)
        result.failures.push(`${listing}: first page in ${fullMs.toFixed(0)} ms with ${FILL} stored (over ${FIRST_PAGE_MS} ms)`);
    }
    console.log(`\nrequest paths, ${CONCURRENCY} in flight, empty database vs ${FILL} invites stored (medians of 4 runs of ${REQUESTS}):`);
    for (const { path, prepare } of paths()) {
      const run = async (t: Target) => {
        const call = await prepare(t, REQUESTS);
        await load(Math.min(200, REQUESTS), await prepare(t, Math.min(200, REQUESTS))); // warm this path
        return load(REQUESTS, call);
      };
      const m = await emptyVsFull(run, empty!, full!);
      const ratio = m.full.rps / m.empty.rps;
      result.paths.push({ path, emptyRps: m.empty.rps, fullRps: m.full.rps, ratioToEmpty: ratio });
      console.log(
        `  ${path.padEnd(28)} ${m.empty.rps.toFixed(0).padStart(6)}/s empty  ${m.full.rps.toFixed(0).padStart(6)}/s full  ` +
          `${ratio.toFixed(2)}×  (p99 ${m.empty.p99.toFixed(0)} / ${m.full.p99.toFixed(0)} ms; ${m.runs})`,
      );
      if (m.empty.errors + m.full.errors > 0) result.failures.push(`${path}: ${m.empty.errors + m.full.errors} requests failed`);
      if (ratio < FLAT_ENOUGH)
        result.failures.push(`${path}: ${ratio.toFixed(2)}× its rate with the database empty (below ${FLAT_ENOUGH}×)`);
    }
    for (const f of result.failures) console.error(`${f}: the benchmark fails`);
    return result;
  } finally {
    for (const s of servers) {
      s.stop();
      await new Promise((r) => s.child.once('exit', r));
    }
    for (const db of [`${name}_empty`, `${name}_full`])
      await client
        .db(db)
        .dropDatabase()
        .catch(() => {});
    await client.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { uri, stop } = await benchDatabase();
  try {
    const date = new Date().toISOString();
    const loadAverage = { start: os.loadavg(), end: [] as number[] };
    const result = await runDataGrowth(uri, randomBytes(32).toString('base64url'));
    // Run alone (as the 1M runs are), it keeps its own record beside npm run bench's.
    const file = join(fileURLToPath(new URL('./results/', import.meta.url)), `growth-${date.replace(/[:.]/g, '-')}.json`);
    const machine = { model: os.cpus()[0]?.model, cores: os.cpus().length };
    await writeFile(
      file,
      JSON.stringify({ date, machine, requests: REQUESTS, loadAverage: { ...loadAverage, end: os.loadavg() }, result }, null, 2) + '\n',
    );
    console.log(`\nwritten to ${file}`);
    if (result.failures.length > 0) process.exitCode = 1;
  } finally {
    await stop();
  }
}
