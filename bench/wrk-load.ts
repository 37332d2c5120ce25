import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AutocannonRequest } from './autocannon-load.js';
import type { LoadResult } from './load.js';

const run = promisify(execFile);

/** True when wrk (Debian: apt install wrk) is on the PATH. */
export async function haveWrk(): Promise<boolean> {
  // wrk has no --version; without arguments it prints its usage and exits 1.
  return run('wrk', []).then(
    () => true,
    (err: { code?: unknown; stdout?: string; stderr?: string }) => err.code !== 'ENOENT' && `${err.stdout}${err.stderr}`.includes('Usage'),
  );
}

/** In `done`: the wrong statuses all threads counted. */
const SUM_WRONG = 'local wrong = 0\n  for _, t in ipairs(threads) do wrong = wrong + t:get("wrong") end';

const luaString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/**
 * HTTP/1.1 load from wrk (a C client, so the load generator takes little of the CPU the server
 * shares): `connections` requests in flight, one per connection, for `seconds`. Its Lua `done`
 * hook prints the figures as JSON (wrk takes whole seconds): requests, latency percentiles (µs), and every error, counting
 * any status outside 2xx/3xx (or other than `expectStatus` when that is one), socket errors
 * and timeouts (10 s).
 */
export async function wrkLoad(request: AutocannonRequest, connections: number, seconds: number): Promise<LoadResult> {
  const dir = await mkdtemp(join(os.tmpdir(), 'invites-wrk-'));
  try {
    const script = join(dir, 'request.lua');
    const headers = Object.entries(request.headers ?? {})
      .map(([k, v]) => `wrk.headers[${luaString(k)}] = ${luaString(v)}\n`)
      .join('');
    // A status outside 2xx/3xx expected (401 for a bad key) is checked per response in Lua (each
    // thread's count summed in `done`, which runs in a Lua state of its own): costs wrk more, so only then.
    const expected = request.expectStatus;
    const checkEach = expected !== undefined && (expected < 200 || expected >= 400);
    const statusCheck = checkEach
      ? `wrong = 0
threads = {}
setup = function(thread) table.insert(threads, thread) end
response = function(status, headers, body)
  if status ~= ${expected} then wrong = wrong + 1 end
end
`
      : '';
    const statusErrors = checkEach ? 'wrong' : 'e.status';
    await writeFile(
      script,
      `wrk.method = ${luaString(request.method ?? 'GET')}
${request.body !== undefined ? `wrk.body = ${luaString(request.body)}\n` : ''}${headers}${statusCheck}
done = function(summary, latency, requests)
  local e = summary.errors
  ${checkEach ? SUM_WRONG : ''}
  io.write(string.format('\\nRESULT {"requests":%d,"micros":%d,"errors":%d,"p50":%d,"p99":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + ${statusErrors} + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`,
    );
    const { stdout } = await run(
      'wrk',
      ['-t1', `-c${connections}`, `-d${Math.max(1, Math.round(seconds))}s`, '--timeout', '10s', '-s', script, request.url],
      {
        maxBuffer: 1 << 20,
      },
    );
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
    const r = JSON.parse(line.slice('RESULT '.length)) as { requests: number; micros: number; errors: number; p50: number; p99: number };
    const secs = r.micros / 1e6;
    return { requests: r.requests, errors: r.errors, seconds: secs, rps: r.requests / secs, p50: r.p50 / 1000, p99: r.p99 / 1000 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
