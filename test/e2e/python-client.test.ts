import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../server/app/package-root.js';
import { codeBlocks, section, shellCommands } from '../support/markdown.js';
import { runProgram } from '../support/run-program.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const ROOT = packageRoot();
const PYTHON_DIR = join(ROOT, 'test/python');
// Kept between runs (git-ignored): installing grpcio-tools takes a while; a changed requirements.txt reinstalls.
const VENV = join(PYTHON_DIR, '.venv');
const VENV_PYTHON = join(VENV, 'bin/python');
const REQUIREMENTS = join(PYTHON_DIR, 'requirements.txt');
const INSTALLED_STAMP = join(VENV, 'requirements.installed');
// The generate command's arguments as docs/rpc-api.md gives them (the test writes to a temp dir instead).
const GENERATE_ARGS = '-I proto --python_out=clients/python/gen --grpc_python_out=clients/python/gen proto/invites/v1/*.proto';

const run = (file: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) =>
  runProgram(file, args, { cwd: options.cwd ?? ROOT, env: options.env, timeoutMs: 600_000 });

/** A virtualenv with grpcio-tools; fails (never skips) when Python or its venv module is missing. */
async function ensureVenv(): Promise<void> {
  const wanted = await readFile(REQUIREMENTS, 'utf8');
  if (existsSync(INSTALLED_STAMP) && (await readFile(INSTALLED_STAMP, 'utf8')) === wanted) return;
  await rm(VENV, { recursive: true, force: true });
  await run('python3', ['-m', 'venv', VENV]);
  await run(VENV_PYTHON, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', REQUIREMENTS]);
  await copyFile(REQUIREMENTS, INSTALLED_STAMP);
}

describe('a Python client generated from proto/ with grpcio-tools', function () {
  let server: TestServer;
  let stubs: string;

  before(async function () {
    this.timeout(600_000);
    await ensureVenv();
    stubs = await mkdtemp(join(tmpdir(), 'invites-python-stubs-'));
    // The command docs/rpc-api.md gives, writing to a temp dir instead of clients/python/gen, the glob
    // expanded as a shell would (the module adds the well-known protos' include path itself).
    const protos = (await readdir(join(ROOT, 'proto/invites/v1'))).filter((f) => f.endsWith('.proto')).map((f) => `proto/invites/v1/${f}`);
    const args = GENERATE_ARGS.replaceAll('clients/python/gen', stubs)
      .split(' ')
      .flatMap((arg) => (arg === 'proto/invites/v1/*.proto' ? protos : [arg]));
    await run(VENV_PYTHON, ['-m', 'grpc_tools.protoc', ...args]);
    server = await startTestServer();
  });
  after(async () => {
    await server?.stop();
    if (stubs) await rm(stubs, { recursive: true, force: true });
  });

  it('creates an API key and an invite that the server stored, and gets UNAUTHENTICATED for a bad key', async function () {
    this.timeout(60_000);
    const out = await run(VENV_PYTHON, [join(PYTHON_DIR, 'create_invite.py')], {
      env: {
        PATH: process.env.PATH ?? '',
        PYTHONPATH: stubs,
        INVITES_TARGET: `127.0.0.1:${server.port}`,
        INVITES_ADMIN_TOKEN: server.adminToken,
      },
    });
    const result = JSON.parse(out);
    assert.equal(result.key_host, 'localhost');
    assert.match(result.token, /^[A-Za-z0-9_-]{24}$/);
    assert.equal(result.host, 'localhost');
    assert.equal(result.type, 1, 'INVITE_TYPE_REGISTER');
    assert.equal(result.uri, `xmpp:localhost?register;preauth=${result.token}`);
    assert.equal(result.landing_page_url, `http://localhost:8080/invite?${result.token}`);
    assert.equal(result.source, `api/token/${result.key_id}`);
    assert.equal(result.lifetime_seconds, 7 * 86400);
    assert.equal(result.refused_with, 'UNAUTHENTICATED');
    const db = server.database.client.db(server.database.name);
    const invite = await db.collection('invites').findOne({ _id: result.token });
    assert.equal(invite?.keyId, result.key_id, 'the invite is in the database, made with the new key');
    assert.ok(await db.collection('keys').findOne({ _id: result.key_id }), 'the key is in the database');
  });

  it('is what docs/rpc-api.md tells a Python user to run', async () => {
    const commands = codeBlocks(section(await readFile(join(ROOT, 'docs/rpc-api.md'), 'utf8'), 'Clients in other languages')).flatMap(
      shellCommands,
    );
    assert.ok(
      commands.some((c) => c.endsWith(`python3 -m grpc_tools.protoc ${GENERATE_ARGS}`)),
      `the docs show "python3 -m grpc_tools.protoc ${GENERATE_ARGS}"`,
    );
    assert.ok(
      commands.some((c) => c.includes('python3 test/python/create_invite.py')),
      'the docs show how to run the script',
    );
  });
});
