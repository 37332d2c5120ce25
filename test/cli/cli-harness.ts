import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Interfaces } from '@oclif/core';
import { startTestServer, type TestServer } from '../support/test-server.js';

export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real binary (bin/run.js, i.e. the compiled dist/) in `cwd`. The child gets only
 * the INVITES_* variables given here, so the test runner's environment cannot leak in.
 */
export function runInvitesctl(args: readonly string[], opts: { cwd: string; env?: Record<string, string> }): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('INVITES_') && name !== 'NODE_ENV' && name !== 'NODE_OPTIONS') env[name] = value;
  }
  Object.assign(env, opts.env);
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: opts.cwd, env, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A real server, an empty working directory, and the real binary pointed at both. */
export interface CliTarget {
  server: TestServer;
  /** Empty: no ./data/admin-token to fall back on by accident. */
  cwd: string;
  /** Runs bin/run.js in `cwd` with the server's URL and admin token in the environment. */
  cli(...args: string[]): Promise<CliResult>;
  stop(): Promise<void>;
}

/** Starts a CliTarget; `builtCommand` (e.g. `invites/create`) must be in dist/, which bin/run.js runs. */
export async function startCliTarget(builtCommand: string, serverEnv?: Record<string, string>): Promise<CliTarget> {
  assert.ok(existsSync(join(PACKAGE_ROOT, `dist/cli/commands/${builtCommand}.js`)), 'bin/run.js runs dist/: run "npm run build:ts" first');
  const server = await startTestServer(serverEnv);
  const cwd = await mkdtemp(join(tmpdir(), 'invitesctl-cwd-'));
  return {
    server,
    cwd,
    cli: (...args) => runInvitesctl(args, { cwd, env: { INVITES_URL: server.url, INVITES_ADMIN_TOKEN: server.adminToken } }),
    async stop() {
      await server.stop();
      await rm(cwd, { recursive: true, force: true });
    },
  };
}

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * oclif load options that run the commands from the TypeScript sources (mocha loads tsx).
 * Use with `settings.enableAutoTranspile = false`: oclif's own dist→source mapping gets a
 * tsconfig rootDir of "." wrong.
 */
export function sourceLoadOptions(): Interfaces.LoadOptions {
  const pjson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  pjson.oclif = { ...pjson.oclif, commands: './cli/commands', helpClass: './cli/help' };
  return { root: PACKAGE_ROOT, pjson };
}

/** A stack trace line: the CLI must never print one. */
export const STACK_LINE = /^\s+at .+\(.*:\d+:\d+\)$|^\s+at \S+:\d+:\d+$/m;

/** Exactly one line on stderr, no stack trace, nothing on stdout. */
export function assertOneErrorLine(result: CliResult, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, `exit code; stderr: ${result.stderr}`);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^Error: [^\n]+\n$/);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, STACK_LINE);
}
