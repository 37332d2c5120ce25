// npm run bench: the create paths side by side with Prosody's own mod_invites_api (SQLite storage,
// the peer, when Debian's prosody + prosody-modules + lua-dbi-sqlite3 are installed), the
// database's own insert rate, a bare node:http server (the ceiling for any Node handler here),
// the same paths on a server without a database (its own limit on these cores) and on
// connect-node with a handler that does nothing (the framework's floor). Every row shows the CPU
// time its serving process spent per request.
// Then the public reads of an invite with redemptions (GetInvite, the landing page) with the
// redemptions collection empty vs full: they must not slow down as it grows.
// BENCH_SECONDS (per row, default 5, each after a warm-up at the same concurrency: 2 s, 8 s at
// c=1; BENCH_QUICK=1: 2 s rows), BENCH_REQUESTS (per growth measurement, default 3000), BENCH_FILL (invites stored before
// the "full collection" run, default 1000000), BENCH_REDEMPTIONS (redemptions of other invites
// stored before the public reads' "full" run, default 200000), MONGODB_URI to use another database.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { MongoClient } from 'mongodb';
import { InviteService } from '../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../gen/invites/v1/key_admin_pb.js';
import { autocannonLoad, type AutocannonRequest } from './autocannon-load.js';
import { benchDatabase, benchServerEnv, medianOf, startServer } from './bench-process.js';
import { runDataGrowth } from './data-growth.js';
import { h2loadGrpc, haveH2load } from './h2load-grpc.js';
import { runLoad, type LoadResult } from './load.js';
import { prosodyMissing, startProsodyPeer, type ProsodyPeer } from './prosody-peer.js';
import { markdownTable, printRow, withCpu, type Row, type Serving } from './rows.js';
import { haveWrk, wrkLoad } from './wrk-load.js';

const QUICK = process.env.BENCH_QUICK === '1';
/** Each row's length, after a warm-up at its own concurrency (JIT, pools, caches: a row at c=1 right after c=32 runs colder code). */
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 2 : 5));
const WARM_UP_SECONDS = QUICK ? 1 : 2;
/**
 * At one in flight the warm-up is longer: there, V8 was still optimizing the request's code
 * (TurboFan on its worker threads) some 3,000 requests in, and each request cost 0.6-0.7 ms of
 * server CPU instead of the 0.45 ms it settles at after ~4,000 (bench/README.md).
 */
const WARM_UP_SECONDS_ONE_IN_FLIGHT = QUICK ? 2 : 8;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const FILL = Number(process.env.BENCH_FILL ?? 1_000_000);
const REDEMPTIONS = Number(process.env.BENCH_REDEMPTIONS ?? 200_000);
/** The lowest rate with the collection full, as a share of the rate with it empty, that passes. */
const FLAT_ENOUGH = 0.8;
/** Issue 14's targets: rate over Prosody's at the same concurrency, and CPU per request at one in flight. */
const TARGETS = { c1: { ratio: 1.0, cpuMs: 0.3 }, c32: { get: 8, connect: 6, grpc: 4 } };
const ADMIN_TOKEN = randomBytes(32).toString('base64url');
const DB_NAME = `bench_${Date.now()}`;
/** The database of the second server, whose invites collection is filled before it is measured. */
const FULL_DB_NAME = `${DB_NAME}_full`;

const rows: Row[] = [];
/** Rows skipped and why (a load generator or Prosody missing). */
const notes: string[] = [];

function inviteDoc() {
  const now = new Date();
  return {
    _id: randomBytes(18).toString('base64url'),
    host: 'localhost',
    kind: 'register',
    createdAt: now,
    expiresAt: new Date(now.getTime() + 7 * 86400_000),
    source: 'api/token/AAAAAAAAAAAA',
    keyId: 'AAAAAAAAAAAA',
  };
}

/** `count` redemptions of invites of 10 uses each, as the store writes them. */
function redemptionDocs(count: number) {
  const at = new Date();
  const inviteExpiresAt = new Date(at.getTime() + 7 * 86400_000);
  let token = '';
  return Array.from({ length: count }, (_, n) => {
    const use = (n % 10) + 1;
    if (use === 1) token = randomBytes(18).toString('base64url');
    return { _id: `${token}:${use}`, token, kind: 'use', use, account: `user${use}`, at, inviteExpiresAt };
  });
}

/**
 * Issue 14's targets against this run's rows, one line each: met or not, and when not, what it
 * would take beside what the layers under that row reached in the same run (the server without a
 * database, connect-node with a handler that does nothing, the driver alone), so that a target out
 * of reach on the machine reads as such.
 */
function targetVerdicts(measured: readonly Row[]): string[] {
  const at = (prefix: string, c: number) => measured.find((r) => r.name.startsWith(prefix) && r.concurrency === c);
  const paths = [
    ['GET', 'GET /invites_api (HTTP/1.1)', TARGETS.c32.get, ['GET /invites_api, no database', 'ceiling: bare node:http']],
    [
      'Connect',
      'CreateInvite (Connect JSON, HTTP/1.1)',
      TARGETS.c32.connect,
      ['CreateInvite (Connect JSON), no database', 'CreateInvite (Connect JSON), trivial handler'],
    ],
    ['gRPC', 'CreateInvite (gRPC, h2c)', TARGETS.c32.grpc, ['CreateInvite (gRPC), no database', 'CreateInvite (gRPC), trivial handler']],
  ] as const;
  const driverCpu = at('baseline: driver insertOne', 1)?.cpuMsPerRequest;
  const lines: string[] = [];
  for (const [label, name, c32Target, under] of paths) {
    const one = at(name, 1);
    const many = at(name, 32);
    const verdict = (ok: boolean, why: string) => (ok ? 'met' : `NOT met${why}`);
    if (one?.ratioToProsody !== undefined)
      lines.push(
        `${label} c=1: ${one.ratioToProsody.toFixed(2)}× Prosody (target ≥ ${TARGETS.c1.ratio}×): ` +
          verdict(one.ratioToProsody >= TARGETS.c1.ratio, ''),
      );
    if (one?.cpuMsPerRequest !== undefined) {
      const alone = at(under[0], 1)?.cpuMsPerRequest;
      const floor = [
        driverCpu !== undefined ? `the driver alone ${driverCpu.toFixed(3)} ms per insert` : '',
        alone !== undefined ? `this server without a database ${alone.toFixed(3)} ms per request` : '',
      ].filter(Boolean);
      lines.push(
        `${label} c=1: ${one.cpuMsPerRequest.toFixed(3)} ms server CPU per request (target ≤ ${TARGETS.c1.cpuMs}): ` +
          verdict(one.cpuMsPerRequest <= TARGETS.c1.cpuMs, floor.length > 0 ? ` (in this run: ${floor.join(', ')})` : ''),
      );
    }
    if (many?.ratioToProsody !== undefined && many.prosody !== undefined) {
      const needed = c32Target * many.prosody;
      const reached = under.flatMap((n) => {
        const r = at(n, 32);
        return r ? [`${n} ${r.rps.toFixed(0)}/s`] : [];
      });
      lines.push(
        `${label} c=32: ${many.ratioToProsody.toFixed(2)}× Prosody (target ≥ ${c32Target}×): ` +
          verdict(
            many.ratioToProsody >= c32Target,
            ` (needs ${needed.toFixed(0)}/s, had ${many.rps.toFixed(0)}/s; in this run: ${reached.join(', ')})`,
          ),
      );
    }
  }
  return lines;
}

async function main() {
  const loadAverage = { start: os.loadavg(), end: [] as number[] };
  const { uri, stop: stopDb } = await benchDatabase();
  const engine = uri.startsWith('mongodb://127.0.0.1') && !process.env.MONGODB_URI ? 'embedded FerretDB/SQLite' : 'MongoDB at MONGODB_URI';
  const client = await MongoClient.connect(uri, { writeConcern: { w: 'majority', journal: true } });
  const serverEnv = (database: string) => benchServerEnv(uri, database, ADMIN_TOKEN);
  const server = startServer(serverEnv(DB_NAME));
  const fullServer = startServer(serverEnv(FULL_DB_NAME));
  // The server alone: the same app on the in-memory store, so no database shares the cores.
  const memoryServer = startServer({ ...serverEnv(`${DB_NAME}_unused`), BENCH_STORE: 'memory' });
  const trivialServer = startServer({}, './trivial-rpc-server.ts');
  const ceilingServer = startServer({}, './http-ceiling-server.ts');
  // The bad-key path on a server that counts its database commands (which costs it CPU on each,
  // so the create rows run on a server that does not).
  const countingServer = startServer({ ...serverEnv(DB_NAME), BENCH_COUNT_COMMANDS: '1' });
  const missingProsody = await prosodyMissing();
  let prosody: ProsodyPeer | undefined;
  /** The server's base URL and the Authorization header of a key made for the benchmark. */
  const keyFor = async (port: number) => {
    const base = `http://127.0.0.1:${port}`;
    const admin = createClient(KeyAdmin, createConnectTransport({ baseUrl: base, httpVersion: '1.1' }));
    const { fullKey } = await admin.createKey(
      { host: 'localhost', name: 'bench' },
      { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
    );
    return { base, fullKey, auth: { authorization: `Bearer ${fullKey}` } };
  };
  try {
    const { base, fullKey, auth } = await keyFor(await server.ready);
    const full = await keyFor(await fullServer.ready);
    const alone = await keyFor(await memoryServer.ready);
    const trivial = { base: `http://127.0.0.1:${await trivialServer.ready}`, auth: {} };
    const ceilingUrl = `http://127.0.0.1:${await ceilingServer.ready}/invites_api`;
    if (missingProsody) notes.push(`Prosody rows skipped: ${missingProsody}`);
    else
      prosody = await startProsodyPeer().catch((err: unknown) => {
        // E.g. not root and not the prosody user: Prosody's rows are left out, not the run.
        notes.push(`Prosody rows skipped: it did not start: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        return undefined;
      });
    const baselineColl = client.db(DB_NAME).collection<ReturnType<typeof inviteDoc>>('baseline');
    const baseline = new Map<number, number>();
    const prosodyRate = new Map<number, number>();

    const invites = client.db(DB_NAME).collection<ReturnType<typeof inviteDoc>>('invites');
    const grpcClient = (await haveH2load()) ? 'h2load' : 'connect-node';
    if (grpcClient !== 'h2load')
      notes.push(
        'h2load not found (Debian: apt install nghttp2-client): gRPC is driven by the connect-node client, ' +
          'which takes about as much CPU as the server',
      );
    const httpClient = (await haveWrk()) ? 'wrk' : 'autocannon';
    if (httpClient !== 'wrk')
      notes.push(
        'wrk not found (Debian: apt install wrk): HTTP/1.1 rows are driven by autocannon, which takes more CPU ' +
          'than wrk on the cores the server shares; Prosody rows are skipped (compared only with the same load generator)',
      );
    /** HTTP/1.1 load for `seconds`: wrk, or autocannon without it. */
    const httpLoad = (request: AutocannonRequest, c: number, seconds: number) =>
      httpClient === 'wrk' ? wrkLoad(request, c, seconds) : autocannonLoad(request, c, { seconds });

    /**
     * A create load that also counts the invites stored meanwhile: a request that did not store
     * its invite is an error, whatever its status said (h2load sees no grpc-status).
     */
    const counted = async (collection: typeof invites, load: () => Promise<LoadResult>) => {
      const before = await collection.estimatedDocumentCount();
      const result = await load();
      const stored = (await collection.estimatedDocumentCount()) - before;
      return { ...result, errors: Math.max(result.errors, result.requests - stored) };
    };
    /** Like `counted`, for the in-memory server: the invites it reports as created. */
    const countedAlone = async (load: () => Promise<LoadResult>) => {
      const before = await memoryServer.created();
      const result = await load();
      const created = (await memoryServer.created()) - before;
      return { ...result, errors: Math.max(result.errors, result.requests - created) };
    };
    /**
     * Adds a row: its ratio to the driver's inserts (`compare`), and to Prosody's creates at the
     * same concurrency (`toProsody`: the main table's create rows).
     */
    const record = (row: Row, compare: boolean, toProsody = false) => {
      const b = compare ? baseline.get(row.concurrency) : undefined;
      const p = compare && toProsody ? prosodyRate.get(row.concurrency) : undefined;
      const full: Row = {
        ...row,
        baseline: b,
        ratio: b ? row.rps / b : undefined,
        prosody: p,
        ratioToProsody: p ? row.rps / p : undefined,
      };
      rows.push(full);
      printRow(full);
      return full;
    };
    /** One row of the growth measurements (already run by `load`); `compare: false` for rows no baseline fits. */
    const measure = async (
      name: string,
      concurrency: number,
      client: string,
      load: () => Promise<LoadResult>,
      creates = true,
      compare = true,
    ) => record({ name, concurrency, client, ...(creates ? await counted(invites, load) : await load()) }, compare);
    /**
     * One row of the main table: a warm-up at the row's concurrency, then `SECONDS` of load, with
     * the CPU time `serving` spent meanwhile; `check` makes the stored (or created) invites count.
     */
    const row = async (
      name: string,
      concurrency: number,
      client: string,
      serving: Serving,
      load: (seconds: number) => Promise<LoadResult>,
      { check, compare = true }: { check?: 'stored' | 'created'; compare?: boolean } = {},
    ) => {
      await load(concurrency === 1 ? WARM_UP_SECONDS_ONE_IN_FLIGHT : WARM_UP_SECONDS);
      const measured = () => withCpu(serving, () => load(SECONDS));
      const result =
        check === 'stored' ? await counted(invites, measured) : check === 'created' ? await countedAlone(measured) : await measured();
      return record({ name, concurrency, client, ...result }, compare, true);
    };

    const get = { url: `${base}/invites_api`, headers: auth };
    // Connect and gRPC share the RPC's path.
    const createInviteUrl = `${base}/${InviteService.typeName}/${InviteService.method.createInvite.name}`;
    // Connect unary with JSON, as a script or Prosody's module would call it: all defaults.
    const connectPost = {
      url: createInviteUrl,
      method: 'POST' as const,
      headers: { ...auth, 'content-type': 'application/json', 'connect-protocol-version': '1' },
      body: '{}',
      expectStatus: 200,
    };
    const grpc = createClient(InviteService, createGrpcTransport({ baseUrl: base }));
    const grpcLoad = async (
      c: number,
      n: number | { seconds: number },
      target: { base: string; auth: Record<string, string> } = { base, auth },
    ): Promise<LoadResult> => {
      if (grpcClient === 'connect-node') {
        const client = target.base === base ? grpc : createClient(InviteService, createGrpcTransport({ baseUrl: target.base }));
        return runLoad(c, n, () => client.createInvite({}, { headers: target.auth }));
      }
      const { non200, ...r } = await h2loadGrpc(createInviteUrl.replace(base, target.base), target.auth, c, n);
      return { ...r, errors: non200 };
    };
    const serverPid = server.child.pid!;

    console.log(
      `invites benchmark: ${SECONDS} s per row after ${WARM_UP_SECONDS} s of warm-up ` +
        `(${WARM_UP_SECONDS_ONE_IN_FLIGHT} s at c=1), ${engine}, ` +
        `${os.cpus().length} × ${os.cpus()[0]?.model}, load average ${loadAverage.start.map((l) => l.toFixed(2)).join(' ')}\n`,
    );
    for (const note of notes) console.log(`note: ${note}`);
    // Warm-up: JIT, connection pools, the key cache.
    await runLoad(8, 300, () => baselineColl.insertOne(inviteDoc()));
    await autocannonLoad(get, 8, 300);
    await autocannonLoad(connectPost, 8, 300);
    await grpcLoad(8, 300);

    for (const c of [1, 32, 128]) {
      const r = await row(
        'baseline: driver insertOne',
        c,
        'mongodb driver',
        'self',
        (seconds) => runLoad(c, { seconds }, () => baselineColl.insertOne(inviteDoc())),
        { compare: false },
      );
      baseline.set(c, r.rps);
    }
    // The peer, with the same load generator: the key in ?key=, as mod_invites_api's README has it.
    if (prosody && httpClient === 'wrk') {
      const peer = prosody;
      for (const c of [1, 32]) {
        const r = await row(
          'Prosody 0.12 mod_invites_api (SQLite)',
          c,
          httpClient,
          peer.pid,
          (seconds) => httpLoad({ url: peer.url }, c, seconds),
          {
            compare: false,
          },
        );
        prosodyRate.set(c, r.rps);
      }
    }
    // What any Node handler could do here at most: node:http answering 201 and nothing else.
    for (const c of [1, 32])
      await row(
        'ceiling: bare node:http answering 201',
        c,
        httpClient,
        ceilingServer.child.pid!,
        (seconds) => httpLoad({ url: ceilingUrl }, c, seconds),
        {
          compare: false,
        },
      );
    // Ours, the key in ?key= too for the plain GET (the same request as Prosody's).
    const getByQuery = { url: `${get.url}?key=${encodeURIComponent(fullKey)}` };
    for (const c of [1, 32, 128])
      await row('GET /invites_api (HTTP/1.1)', c, httpClient, serverPid, (seconds) => httpLoad(getByQuery, c, seconds), {
        check: 'stored',
      });
    for (const c of [1, 32])
      await row('CreateInvite (Connect JSON, HTTP/1.1)', c, httpClient, serverPid, (seconds) => httpLoad(connectPost, c, seconds), {
        check: 'stored',
      });
    for (const c of [1, 32])
      await row('CreateInvite (gRPC, h2c)', c, grpcClient, serverPid, (seconds) => grpcLoad(c, { seconds }), { check: 'stored' });

    // The same paths on a server without a database: what the server itself costs here.
    const aloneGet = { ...get, url: get.url.replace(base, alone.base), headers: alone.auth };
    const aloneConnect = {
      ...connectPost,
      url: createInviteUrl.replace(base, alone.base),
      headers: { ...connectPost.headers, ...alone.auth },
    };
    const alonePid = memoryServer.child.pid!;
    for (const c of [1, 32])
      await row('GET /invites_api, no database', c, httpClient, alonePid, (seconds) => httpLoad(aloneGet, c, seconds), {
        check: 'created',
        compare: false,
      });
    for (const c of [1, 32])
      await row('CreateInvite (Connect JSON), no database', c, httpClient, alonePid, (seconds) => httpLoad(aloneConnect, c, seconds), {
        check: 'created',
        compare: false,
      });
    await row('CreateInvite (gRPC), no database', 32, grpcClient, alonePid, (seconds) => grpcLoad(32, { seconds }, alone), {
      check: 'created',
      compare: false,
    });
    // And connect-node itself, with a handler that does nothing: the floor under the rows above.
    const trivialConnect = {
      ...connectPost,
      url: createInviteUrl.replace(base, trivial.base),
      headers: { 'content-type': 'application/json' },
    };
    const trivialPid = trivialServer.child.pid!;
    await row(
      'CreateInvite (Connect JSON), trivial handler',
      32,
      httpClient,
      trivialPid,
      (seconds) => httpLoad(trivialConnect, 32, seconds),
      {
        compare: false,
      },
    );
    await row('CreateInvite (gRPC), trivial handler', 32, grpcClient, trivialPid, (seconds) => grpcLoad(32, { seconds }, trivial), {
      compare: false,
    });

    // A key of the same database, so known to the counting server too, with a wrong secret.
    const counting = `http://127.0.0.1:${await countingServer.ready}`;
    const badKey = { url: `${counting}/invites_api?key=${fullKey.split('/')[0]}/${'A'.repeat(36)}`, expectStatus: 401 };
    await autocannonLoad(badKey, 4, 100); // warm the negative path
    const before = await countingServer.commands();
    const bad = await row('bad key → 401', 32, httpClient, countingServer.child.pid!, (seconds) => httpLoad(badKey, 32, seconds), {
      compare: false,
    });
    const badCommands = (await countingServer.commands()) - before;
    bad.note = `${badCommands} database commands for ${bad.requests} requests (and its warm-up)`;
    console.log(`  → ${bad.note}`);
    console.log(`\n${markdownTable(rows)}\n`);
    const verdicts = targetVerdicts(rows);
    for (const v of verdicts) console.log(v);

    // The create rate with an empty collection and with FILL stored, on two servers with a database
    // each, measured in turns so that both see the same (noisy, shared) machine; medians of 4.
    const fullInvites = client.db(FULL_DB_NAME).collection<ReturnType<typeof inviteDoc>>('invites');
    const fullGet = { url: `${full.base}/invites_api`, headers: full.auth };
    // As warm (JIT, pools, caches) as the first server is by now.
    for (let i = 0; i < 4; i++) await autocannonLoad(fullGet, 32, REQUESTS);
    const t = performance.now();
    process.stdout.write(`\nfilling the second server's invites collection to ${FILL} documents...`);
    for (let n = await fullInvites.estimatedDocumentCount(); n < FILL;) {
      const batch = Array.from({ length: Math.min(10_000, FILL - n) }, inviteDoc);
      await fullInvites.insertMany(batch, { ordered: false });
      n += batch.length;
    }
    console.log(` ${((performance.now() - t) / 1000).toFixed(0)} s\n`);
    // Let the engine finish what the bulk load left behind (checkpoints), then compare like with like.
    await new Promise((r) => setTimeout(r, 10_000));
    await autocannonLoad(get, 32, REQUESTS);
    await autocannonLoad(fullGet, 32, REQUESTS);
    /**
     * The rate of one path with a collection empty and full, in four rounds, each taking the other
     * first in turn (here the first of two back-to-back runs is often the faster): medians of four.
     */
    const emptyVsFull = async (
      path: string,
      fullLabel: string,
      emptyRun: () => Promise<LoadResult>,
      fullRun: () => Promise<LoadResult>,
    ) => {
      const emptyRuns: LoadResult[] = [];
      const fullRuns: LoadResult[] = [];
      for (let i = 0; i < 4; i++) {
        if (i % 2 === 0) {
          emptyRuns.push(await emptyRun());
          fullRuns.push(await fullRun());
        } else {
          fullRuns.push(await fullRun());
          emptyRuns.push(await emptyRun());
        }
      }
      const empty = await measure(`${path}, empty collection`, 32, 'autocannon', async () => medianOf(emptyRuns), false);
      const filled = await measure(`${path}, ${fullLabel}`, 32, 'autocannon', async () => medianOf(fullRuns), false);
      const ratio = filled.rps / empty.rps;
      const runs = (results: LoadResult[]) => results.map((r) => r.rps.toFixed(0)).join(', ');
      console.log(
        `  → ${path} with ${fullLabel} / empty collection: ${ratio.toFixed(2)} ` +
          `(the runs: ${runs(emptyRuns)} empty; ${runs(fullRuns)} with ${fullLabel})`,
      );
      return ratio;
    };
    const flatness = await emptyVsFull(
      'GET /invites_api',
      `${FILL} stored`,
      () => counted(invites, () => autocannonLoad(get, 32, REQUESTS)),
      // Not counted: a count reads the whole collection on the embedded engine (a minute at 1M);
      // autocannon's check that every answer is 201 stands (the server answers after its write).
      () => autocannonLoad(fullGet, 32, REQUESTS),
    );

    // The public reads of an invite with redemptions, on each server, once the second server's
    // redemptions collection holds REDEMPTIONS of other invites' (both read their invite by _id).
    const inviteWithRedemptions = async (target: { base: string; auth: Record<string, string> }) => {
      const rpc = createClient(InviteService, createConnectTransport({ baseUrl: target.base, httpVersion: '1.1' }));
      const { token } = (await rpc.createInvite({ maxUses: 10 }, { headers: target.auth })).invite!;
      for (let n = 0; n < 5; n++) await rpc.redeemInvite({ token, account: `reader${n}` }, { headers: target.auth });
      const getInvite = {
        url: `${target.base}/${InviteService.typeName}/${InviteService.method.getInvite.name}`,
        method: 'POST' as const,
        headers: { 'content-type': 'application/json', 'connect-protocol-version': '1' },
        body: JSON.stringify({ token }),
        expectStatus: 200,
      };
      return { getInvite, landingPage: { url: `${target.base}/invite?${token}`, expectStatus: 200 } };
    };
    const emptyReads = await inviteWithRedemptions({ base, auth });
    const fullReads = await inviteWithRedemptions(full);
    const fullRedemptions = client.db(FULL_DB_NAME).collection<ReturnType<typeof redemptionDocs>[number]>('redemptions');
    const t2 = performance.now();
    process.stdout.write(`\nfilling the second server's redemptions collection with ${REDEMPTIONS} other invites' redemptions...`);
    for (let n = 0; n < REDEMPTIONS; n += 10_000)
      await fullRedemptions.insertMany(redemptionDocs(Math.min(10_000, REDEMPTIONS - n)), { ordered: false });
    console.log(` ${((performance.now() - t2) / 1000).toFixed(0)} s\n`);
    await new Promise((r) => setTimeout(r, 10_000));
    const publicReads: { path: string; redemptionsStored: number; ratioToEmpty: number }[] = [];
    for (const [path, read] of [
      ['GetInvite (Connect JSON), invite with 5 redemptions', 'getInvite'],
      ['landing page, invite with 5 redemptions', 'landingPage'],
    ] as const) {
      await autocannonLoad(emptyReads[read], 32, 300);
      await autocannonLoad(fullReads[read], 32, 300);
      const ratio = await emptyVsFull(
        path,
        `${REDEMPTIONS} redemptions stored`,
        () => autocannonLoad(emptyReads[read], 32, REQUESTS),
        () => autocannonLoad(fullReads[read], 32, REQUESTS),
      );
      publicReads.push({ path, redemptionsStored: REDEMPTIONS, ratioToEmpty: ratio });
    }
    const slowed = publicReads.filter((r) => r.ratioToEmpty < FLAT_ENOUGH);
    const dataGrowth = await runDataGrowth(uri, ADMIN_TOKEN);

    const errors = rows.reduce((n, r) => n + r.errors, 0);
    const result = {
      date: new Date().toISOString(),
      cpu: { model: os.cpus()[0]?.model, cores: os.cpus().length },
      node: process.version,
      engine,
      secondsPerRow: SECONDS,
      requestsPerMeasurement: REQUESTS,
      // A shared machine: the load average before and after says how much else was running.
      loadAverage: { ...loadAverage, end: os.loadavg() },
      clients: { http: httpClient, grpc: grpcClient },
      notes,
      targets: verdicts,
      rows,
      badKeyDatabaseCommands: badCommands,
      fullCollection: { stored: FILL, ratioToEmpty: flatness },
      publicReads,
      dataGrowth,
      errors,
    };
    const file = join(fileURLToPath(new URL('./results/', import.meta.url)), `${result.date.replace(/[:.]/g, '-')}.json`);
    await writeFile(file, JSON.stringify(result, null, 2) + '\n');
    console.log(`\nfigures written to ${file}`);
    if (errors > 0) {
      console.error(`${errors} requests failed: the benchmark fails`);
      process.exitCode = 1;
    }
    for (const r of slowed) {
      console.error(
        `${r.path}: ${r.ratioToEmpty.toFixed(2)}× its rate with the collection empty (below ${FLAT_ENOUGH}×): the benchmark fails`,
      );
      process.exitCode = 1;
    }
    if (dataGrowth.failures.length > 0) process.exitCode = 1;
  } finally {
    for (const s of [server, fullServer, memoryServer, trivialServer, ceilingServer, countingServer]) {
      s.stop();
      await new Promise((r) => s.child.once('exit', r));
    }
    await prosody?.stop();
    for (const name of [DB_NAME, FULL_DB_NAME])
      await client
        .db(name)
        .dropDatabase()
        .catch(() => {});
    await client.close();
    await stopDb();
  }
}

await main();
