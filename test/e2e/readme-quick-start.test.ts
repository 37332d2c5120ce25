import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { codeBlocks, section, shellCommands } from '../support/markdown.js';
import { PROJECT_DIR } from '../support/server-process.js';

const run = promisify(execFile);
const README_PORT = '127.0.0.1:8080';

/**
 * Runs the README's quick start as a newcomer would, except that the server gets port 0 and a
 * data directory of its own (the CLI follows it through INVITES_DATA_DIR / INVITES_URL), and
 * `npm ci` is not run: the test runs in an installed tree.
 */
describe('the README quick start', function () {
  this.timeout(180_000);
  let dataDir: string;
  let server: ChildProcess | undefined;
  let exited: Promise<void> | undefined;

  beforeEach(async () => (dataDir = await mkdtemp(join(tmpdir(), 'invites-readme-'))));
  afterEach(async () => {
    // npm, its shell and the server (with its embedded engine) share one process group.
    if (server?.pid && server.exitCode === null) process.kill(-server.pid, 'SIGTERM');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves with `npm start`, and the key and invite commands under it make an invite', async () => {
    const quickStart = section(readFileSync(join(PROJECT_DIR, 'README.md'), 'utf8'), 'Quick start');
    const [commands, tryIt] = codeBlocks(quickStart);
    const start = shellCommands(commands!)[0]!;
    assert.match(start, /^npm ci && npm start$/);
    const env = { ...process.env, PORT: '0', INVITES_BIND: '127.0.0.1', INVITES_DATA_DIR: dataDir, LOG_LEVEL: 'info' };

    server = spawn('bash', ['-c', start.replace(/^npm ci && /, '')], {
      cwd: PROJECT_DIR,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    server.stdout!.on('data', (c) => (out += c));
    server.stderr!.on('data', (c) => (out += c));
    exited = new Promise((resolve) => server!.once('exit', () => resolve()));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start did not serve:\n${out}`)), 150_000);
      server!.stdout!.on('data', () => {
        const m = /"port":(\d+).*invites server listening/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      void exited!.then(() => reject(new Error(`npm start exited before serving:\n${out}`)));
    });
    assert.match(out, /embedded database started/, 'no MONGODB_URI: the embedded database');

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');

    const script = shellCommands(tryIt!).join('\n').replaceAll(README_PORT, `127.0.0.1:${port}`);
    assert.match(script, /invitesctl keys:create/);
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: PROJECT_DIR,
      env: { ...env, INVITES_URL: `http://127.0.0.1:${port}` },
    });
    assert.match(stdout, /^HTTP\/1\.1 201 Created/);
    assert.match(stdout, /^location: http:\/\/localhost:8080\/invite\?[\w-]{20,}\r?$/m);
  });
});
