// npm run bench:key-timing: whether refusing a key takes longer when its id exists.
// In process (no HTTP noise): the real key authenticator over the real cached key lookup, on the
// in-memory store and on the embedded engine (or MONGODB_URI). Existing id + wrong secret vs unknown
// (well-formed) id, cache hit vs miss (the entry invalidated just before), interleaved in a rotating
// order so that both kinds see the same machine. KEY_TIMING_SAMPLES per case (default 2000).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { defaultEmbeddedDbBinary } from '../server/app/package-root.js';
import { generateApiKey } from '../server/domain/api-key.js';
import { hashSecret } from '../server/domain/secret-hash.js';
import { startEmbeddedDb } from '../server/embedded/embedded-db.js';
import { createKeyAuthenticator } from '../server/service/key-authenticator.js';
import { createCachedKeyLookup, DEFAULT_KEY_LOOKUP_OPTIONS } from '../server/service/key-lookup.js';
import { openMongoStore } from '../server/store/mongo-store.js';
import type { Store } from '../server/store/store.js';
import { createMemoryStore } from '../test/support/memory-store.js';

const SAMPLES = Number(process.env.KEY_TIMING_SAMPLES ?? 2000);
const POOL = 200;
const WARMUP = 200;

type Kind = 'existing' | 'unknown';
type Path = 'cached' | 'uncached';
const CASES: Array<[Kind, Path]> = [
  ['existing', 'cached'],
  ['unknown', 'cached'],
  ['existing', 'uncached'],
  ['unknown', 'uncached'],
];

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function measure(label: string, store: Store): Promise<void> {
  // Separate ids for the cached and the uncached cases, so that a hit never comes right after its own read.
  const ids = (kind: Kind, path: Path) => `${kind}/${path}`;
  const pools = new Map<string, string[]>();
  for (const [kind, path] of CASES) {
    const pool = Array.from({ length: POOL }, () => generateApiKey().id);
    if (kind === 'existing') {
      for (const [i, id] of pool.entries()) {
        await store.keys.insert({
          id,
          host: 'bench.example',
          name: `bench ${i}`,
          secretHash: hashSecret(generateApiKey().secret),
          createdAt: new Date(),
        });
      }
    }
    pools.set(ids(kind, path), pool);
  }
  // Fresh for the whole run: a cached case is a hit without a read just before it.
  const lookup = createCachedKeyLookup(store.keys, { ...DEFAULT_KEY_LOOKUP_OPTIONS, freshForMs: 3_600_000 });
  for (const [kind] of CASES) for (const id of pools.get(ids(kind, 'cached'))!) await lookup.find(id);
  const auth = createKeyAuthenticator(lookup, { usage: { record() {} } });
  const wrongSecret = generateApiKey().secret;

  const times = new Map<string, number[]>(CASES.map(([k, p]) => [ids(k, p), []]));
  const once = async (kind: Kind, path: Path, i: number, record: boolean) => {
    const id = pools.get(ids(kind, path))![i % POOL]!;
    if (path === 'uncached') lookup.invalidate(id);
    const start = process.hrtime.bigint();
    const refused = await auth.authenticate({ kind: 'bearer', token: `${id}/${wrongSecret}` }).then(
      () => false,
      () => true,
    );
    const took = Number(process.hrtime.bigint() - start) / 1000;
    if (!refused) throw new Error('a wrong secret was accepted');
    if (record) times.get(ids(kind, path))!.push(took);
  };
  // The cached and the uncached pair are measured apart (a hit right after another case's read would
  // pay for that read's leftover callbacks), each pair alternating which kind goes first.
  for (const path of ['cached', 'uncached'] as const) {
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      for (const kind of i % 2 ? (['existing', 'unknown'] as const) : (['unknown', 'existing'] as const)) {
        await new Promise((resolve) => setImmediate(resolve)); // let earlier work drain first
        await once(kind, path, i, i >= WARMUP);
      }
    }
  }

  for (const path of ['cached', 'uncached'] as const) {
    const stats = (['existing', 'unknown'] as const).map((kind) => {
      const sorted = times.get(ids(kind, path))!.sort((a, b) => a - b);
      return { kind, p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9) };
    });
    const [e, u] = stats as [(typeof stats)[0], (typeof stats)[0]];
    console.log(
      `${label.padEnd(16)} ${path.padEnd(9)} existing id p50 ${e.p50.toFixed(1).padStart(7)} µs p90 ${e.p90.toFixed(1).padStart(7)} µs | ` +
        `unknown id p50 ${u.p50.toFixed(1).padStart(7)} µs p90 ${u.p90.toFixed(1).padStart(7)} µs | ` +
        `existing/unknown p50 ${(e.p50 / u.p50).toFixed(3)} p90 ${(e.p90 / u.p90).toFixed(3)}`,
    );
  }
}

console.log(`${SAMPLES} samples per case, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}`);
await measure('in-memory store', createMemoryStore());

let uri = process.env.MONGODB_URI;
let stopEngine = async () => {};
if (!uri) {
  const dir = await mkdtemp(join(os.tmpdir(), 'invites-key-timing-'));
  const db = await startEmbeddedDb({ binary: defaultEmbeddedDbBinary(), dataDir: dir });
  uri = db.uri;
  stopEngine = async () => {
    await db.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
const database = `key_timing_${randomBytes(4).toString('hex')}`;
const store = await openMongoStore({ uri, database });
try {
  await measure(process.env.MONGODB_URI ? 'MongoDB' : 'embedded engine', store);
} finally {
  await store.close();
  await stopEngine();
}
