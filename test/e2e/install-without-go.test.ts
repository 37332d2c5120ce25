import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { PROJECT_DIR, spawnServer } from '../support/server-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const NOT_BUILT_LINE = /^embedded-db: the embedded database was not built \('go' not found in PATH\).*Go >= 1\.24.*"npm run build:db"$/;
/** What `npm start` says, on a line of its own, when it has neither MONGODB_URI nor the engine. */
const NO_DATABASE_LINE = new RegExp(
  String.raw`^invites: no database: MONGODB_URI is not set and the embedded database is not built \(.*\)\. ` +
    String.raw`Set MONGODB_URI .*install Go >= 1\.24 and patch, then run "npm run build:db"\.$`,
  'm',
);

/** PATH without the directories that hold `go`, as on a production host with Node only. */
function pathWithoutGo(): string {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir && !existsSync(join(dir, 'go')));
  return [dirname(process.execPath), ...dirs].join(delimiter);
}

/** This process's environment without npm's own variables (mocha may run under npm) or a database. */
function cleanEnv(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('npm_') && k !== 'MONGODB_URI' && k !== 'INIT_CWD') env[k] = v;
  }
  return { ...env, PATH: path };
}

async function run(
  cwd: string,
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; ms: number }> {
  const started = Date.now();
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  return { code, out, ms: Date.now() - started };
}

/** The files a commit of this working tree would hold (tracked, and untracked but not ignored). */
async function copyWorkingTree(to: string): Promise<void> {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: PROJECT_DIR,
    encoding: 'utf8',
  });
  const files = listed.split('\0').filter((f) => f && f !== 'node_modules' && existsSync(join(PROJECT_DIR, f)));
  for (const file of files) await cp(join(PROJECT_DIR, file), join(to, file), { verbatimSymlinks: true });
}

describe('installing and running without Go', function () {
  // One `npm ci` from the local npm cache, then a TypeScript build: minutes on a busy machine.
  this.timeout(300_000);
  let dir: string;
  let db: TestDatabase;
  let env: Record<string, string>;

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), 'invites-nogo-'));
    db = await createTestDatabase();
    env = cleanEnv(pathWithoutGo());
    const goFound = await run(dir, 'bash', ['-c', 'command -v go'], env);
    assert.notEqual(goFound.code, 0, `the test's PATH must not find go, but found ${goFound.out}`);
    await copyWorkingTree(join(dir, 'app'));
  });
  after(async () => {
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('npm ci succeeds, says in one line that the engine was not built, and the CLI and a server on MongoDB work', async () => {
    const app = join(dir, 'app');
    const ci = await run(app, 'npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], env);
    assert.equal(ci.code, 0, `npm ci failed:\n${ci.out}`);
    const notBuilt = ci.out.split('\n').filter((line) => /embedded/i.test(line) && /not built/.test(line));
    assert.equal(notBuilt.length, 1, `one line about the engine:\n${ci.out}`);
    assert.match(notBuilt[0]!, NOT_BUILT_LINE);
    assert.ok(existsSync(join(app, 'dist/server/main.js')), 'the TypeScript was built');
    assert.ok(!existsSync(join(app, 'embedded-db/bin/invites-embedded-db')), 'no engine without Go');
    console.log(`        (npm ci without Go: ${(ci.ms / 1000).toFixed(1)} s)`);
    // Asking for the engine itself is another matter: that must fail, and say why.
    const buildDb = await run(app, 'npm', ['run', '--silent', 'build:db'], env);
    assert.notEqual(buildDb.code, 0, 'npm run build:db fails without Go');
    assert.match(buildDb.out.trim(), NOT_BUILT_LINE);

    const server = await spawnServer(
      {
        PATH: env.PATH!,
        MONGODB_URI: db.uri,
        MONGODB_DATABASE: db.name,
        INVITES_DATA_DIR: join(dir, 'data'),
        INVITES_ADMIN_TOKEN: 'admin-token-for-this-test',
      },
      [],
      app,
    );
    try {
      const health = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { status: string }).status, 'ok');
      const version = await run(app, process.execPath, ['bin/run.js', 'version', '--url', `http://127.0.0.1:${server.port}`], env);
      assert.equal(version.code, 0, version.out);
      assert.match(version.out, /^client {2}invitesctl 0\.1\.0 .*\nserver {2}invites 0\.1\.0 at http:\/\/127\.0\.0\.1:\d+$/m);
      const key = await run(app, process.execPath, ['bin/run.js', 'keys:create', 'localhost', '--url', `http://127.0.0.1:${server.port}`], {
        ...env,
        INVITES_ADMIN_TOKEN: 'admin-token-for-this-test',
      });
      assert.equal(key.code, 0, key.out);
      const invite = await fetch(`http://127.0.0.1:${server.port}/invites_api?key=${key.out.trim()}`, { redirect: 'manual' });
      assert.equal(invite.status, 201);
    } finally {
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
    }

    // No MONGODB_URI and no engine: `npm start` builds, then the server stops at once and says why.
    const start = await run(app, 'npm', ['start'], { ...env, PORT: '0', INVITES_BIND: '127.0.0.1', INVITES_DATA_DIR: join(dir, 'data2') });
    assert.match(start.out, NO_DATABASE_LINE);
    assert.doesNotMatch(start.out, /could not start|listening|^\s+at /m, 'nothing started, no stack trace');
    assert.equal(start.code, 78, 'the configuration exit code, passed on by npm');
    assert.ok(!existsSync(join(dir, 'data2', 'admin-token')), 'nothing was written');
  });
});
