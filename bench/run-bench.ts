// npm run bench: the create paths side by side with the database's own insert rate, and the
// same paths on a server without a database (its own limit on these cores) and on connect-node
// with a handler that does nothing (the framework's floor).
// Then the public reads of an invite with redemptions (GetInvite, the landing page) with the
// redemptions collection empty vs full: they must not slow down as it grows.
// BENCH_REQUESTS (per measurement, default 3000), BENCH_FILL (invites stored before the
// "full collection" run, default 1000000), BENCH_REDEMPTIONS (redemptions of other invites stored
// before the public reads' "full" run, default 200000), MONGODB_URI to use another database.
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
import { autocannonLoad } from './autocannon-load.js';
import { benchDatabase, benchServerEnv, medianOf, startServer } from './bench-process.js';
import { runDataGrowth } from './data-growth.js';
import { h2loadGrpc, haveH2load } from './h2load-grpc.js';
import { runLoad, type LoadResult } from './load.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const FILL = Number(process.env.BENCH_FILL ?? 1_000_000);
const REDEMPTIONS = Number(process.env.BENCH_REDEMPTIONS ?? 200_000);
/** The lowest rate with the collection full, as a share of the rate with it empty, that passes. */
const FLAT_ENOUGH = 0.8;
const ADMIN_TOKEN = randomBytes(32).toString('base64url');
const DB_NAME = `bench_${Date.now()}`;
/** The database of the second server, whose invites collection is filled before it is measured. */
const FULL_DB_NAME = `${DB_NAME}_full`;

interface Row extends LoadResult {
  name: string;
  concurrency: number;
  baseline?: number;
  ratio?: number;
  /** What made the requests: autocannon, h2load, the MongoDB driver or the connect-node client. */
  client: string;
  note?: string;
}
const rows: Row[] = [];

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

async function main() {
  const { uri, stop: stopDb } = await benchDatabase();
  const engine = uri.startsWith('mongodb://127.0.0.1') && !process.env.MONGODB_URI ? 'embedded FerretDB/SQLite' : 'MongoDB at MONGODB_URI';
  const client = await MongoClient.connect(uri, { writeConcern: { w: 'majority', journal: true } });
  const serverEnv = (database: string) => benchServerEnv(uri, database, ADMIN_TOKEN);
  const server = startServer(serverEnv(DB_NAME));
  const fullServer = startServer(serverEnv(FULL_DB_NAME));
  // The server alone: the same app on the in-memory store, so no database shares the cores.
  const memoryServer = startServer({ ...serverEnv(`${DB_NAME}_unused`), BENCH_STORE: 'memory' });
  const trivialServer = startServer({}, './trivial-rpc-server.ts');
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
    const baselineColl = client.db(DB_NAME).collection<ReturnType<typeof inviteDoc>>('baseline');
    const baseline = new Map<number, number>();

    const invites = client.db(DB_NAME).collection<ReturnType<typeof inviteDoc>>('invites');
    const grpcClient = (await haveH2load()) ? 'h2load' : 'connect-node';
    if (grpcClient !== 'h2load')
      console.log(
        'h2load not found (Debian: apt install nghttp2-client): gRPC is driven by the connect-node client, ' +
          'which takes about as much CPU as the server\n',
      );

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
    /** One row of the table; `compare: false` for rows without a database, which no baseline fits. */
    const measure = async (
      name: string,
      concurrency: number,
      client: string,
      load: () => Promise<LoadResult>,
      creates = true,
      compare = true,
    ) => {
      const result = creates ? await counted(invites, load) : await load();
      const b = compare ? baseline.get(concurrency) : undefined;
      const row: Row = { name, concurrency, client, ...result, baseline: b, ratio: b ? result.rps / b : undefined };
      rows.push(row);
      console.log(
        `${name.padEnd(40)} c=${String(concurrency).padEnd(4)} ${result.rps.toFixed(0).padStart(7)} req/s  ` +
          `p50 ${result.p50.toFixed(2).padStart(7)} ms  p99 ${result.p99.toFixed(2).padStart(7)} ms  errors ${result.errors}` +
          (row.ratio !== undefined ? `  ${row.ratio.toFixed(2)}× baseline` : ''),
      );
      return row;
    };

    const get = { url: `${base}/invites_api`, headers: auth };
    // Connect and gRPC share the RPC's path.
    const createInviteUrl = `${base}/${InviteService.typeName}/${InviteService.method.createInvite.name}`;
    // Connect unary: a POST of the binary request message (empty: all defaults).
    const connectPost = {
      url: createInviteUrl,
      method: 'POST' as const,
      headers: { ...auth, 'content-type': 'application/proto', 'connect-protocol-version': '1' },
      body: '',
      expectStatus: 200,
    };
    const grpc = createClient(InviteService, createGrpcTransport({ baseUrl: base }));
    const grpcLoad = async (
      c: number,
      n: number,
      target: { base: string; auth: Record<string, string> } = { base, auth },
    ): Promise<LoadResult> => {
      if (grpcClient === 'connect-node') {
        const client = target.base === base ? grpc : createClient(InviteService, createGrpcTransport({ baseUrl: target.base }));
        return runLoad(c, n, () => client.createInvite({}, { headers: target.auth }));
      }
      const { non200, ...r } = await h2loadGrpc(createInviteUrl.replace(base, target.base), target.auth, c, n);
      return { ...r, errors: non200 };
    };

    console.log(`invites benchmark: ${REQUESTS} requests per measurement, ${engine}, ${os.cpus().length} × ${os.cpus()[0]?.model}\n`);
    // Warm-up: JIT, connection pools, the key cache.
    await runLoad(8, 300, () => baselineColl.insertOne(inviteDoc()));
    await autocannonLoad(get, 8, 300);
    await autocannonLoad(connectPost, 8, 300);
    await grpcLoad(8, 300);

    for (const c of [1, 32, 128]) {
      const row = await measure(
        'baseline: driver insertOne',
        c,
        'mongodb driver',
        () => runLoad(c, REQUESTS, () => baselineColl.insertOne(inviteDoc())),
        false,
      );
      baseline.set(c, row.rps);
    }
    for (const c of [1, 32, 128]) await measure('GET /invites_api (HTTP/1.1)', c, 'autocannon', () => autocannonLoad(get, c, REQUESTS));
    for (const c of [1, 32])
      await measure('CreateInvite (Connect, HTTP/1.1)', c, 'autocannon', () => autocannonLoad(connectPost, c, REQUESTS));
    for (const c of [1, 32]) await measure('CreateInvite (gRPC, h2c)', c, grpcClient, () => grpcLoad(c, REQUESTS));

    // The same paths on a server without a database: what the server itself costs here.
    const aloneGet = { ...get, url: get.url.replace(base, alone.base), headers: alone.auth };
    const aloneConnect = {
      ...connectPost,
      url: createInviteUrl.replace(base, alone.base),
      headers: { ...connectPost.headers, ...alone.auth },
    };
    await autocannonLoad(aloneGet, 8, 300);
    await autocannonLoad(aloneConnect, 8, 300);
    await grpcLoad(8, 300, alone);
    await measure(
      'GET /invites_api, no database',
      32,
      'autocannon',
      () => countedAlone(() => autocannonLoad(aloneGet, 32, REQUESTS)),
      false,
      false,
    );
    await measure(
      'CreateInvite (Connect), no database',
      32,
      'autocannon',
      () => countedAlone(() => autocannonLoad(aloneConnect, 32, REQUESTS)),
      false,
      false,
    );
    await measure(
      'CreateInvite (gRPC), no database',
      32,
      grpcClient,
      () => countedAlone(() => grpcLoad(32, REQUESTS, alone)),
      false,
      false,
    );
    // And connect-node itself, with a handler that does nothing: the floor under the two rows above.
    const trivialConnect = {
      ...connectPost,
      url: createInviteUrl.replace(base, trivial.base),
      headers: { 'content-type': 'application/proto' },
    };
    await autocannonLoad(trivialConnect, 8, 300);
    await grpcLoad(8, 300, trivial);
    await measure(
      'CreateInvite (Connect), trivial handler',
      32,
      'autocannon',
      () => autocannonLoad(trivialConnect, 32, REQUESTS),
      false,
      false,
    );
    await measure('CreateInvite (gRPC), trivial handler', 32, grpcClient, () => grpcLoad(32, REQUESTS, trivial), false, false);

    const badKey = { url: `${base}/invites_api?key=${fullKey.split('/')[0]}/${'A'.repeat(36)}`, expectStatus: 401 };
    await autocannonLoad(badKey, 4, 100); // warm the negative path
    const before = await server.commands();
    const bad = await measure('bad key → 401', 32, 'autocannon', () => autocannonLoad(badKey, 32, REQUESTS), false);
    const badCommands = (await server.commands()) - before;
    bad.note = `${badCommands} database commands for ${REQUESTS} requests`;
    console.log(`  → ${bad.note}`);

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
      requestsPerMeasurement: REQUESTS,
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
    for (const s of [server, fullServer, memoryServer, trivialServer]) {
      s.stop();
      await new Promise((r) => s.child.once('exit', r));
    }
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
