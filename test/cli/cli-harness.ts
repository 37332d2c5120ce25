import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Interfaces } from '@oclif/core';

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
