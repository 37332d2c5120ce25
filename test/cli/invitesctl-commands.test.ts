import assert from 'node:assert/strict';
import { settings, type Interfaces } from '@oclif/core';
import { runCommand } from '@oclif/test';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { closedPort, sourceLoadOptions, STACK_LINE } from './cli-harness.js';

/** `error.oclif.exit` of a failed command: oclif's ExitError carries the exit code. */
const exitCodeOf = (error: (Error & { oclif?: { exit?: number } }) | undefined) => error?.oclif?.exit ?? 0;

describe('invitesctl commands (in process, with @oclif/test)', () => {
  let loadOptions: Interfaces.LoadOptions;
  let savedAutoTranspile: boolean | undefined;
  let server: TestServer;
  /** Runs a command in this process against the test server. */
  let run: (args: string[]) => ReturnType<typeof runCommand>;

  before(async () => {
    // The commands run from cli/*.ts (mocha loads tsx); see sourceLoadOptions.
    savedAutoTranspile = settings.enableAutoTranspile;
    settings.enableAutoTranspile = false;
    loadOptions = sourceLoadOptions();
    server = await startTestServer();
    run = (args) => runCommand([...args, '--url', server.url, '--admin-token', server.adminToken], loadOptions);
  });

  after(async () => {
    settings.enableAutoTranspile = savedAutoTranspile;
    await server?.stop();
  });

  describe('help', () => {
    it('the root help shows the workflow as examples, and the exit codes', async () => {
      const { stdout } = await runCommand(['--help'], loadOptions);
      assert.match(stdout, /^EXAMPLES$/m);
      assert.ok(stdout.includes('$ KEY=$(invitesctl keys:create example.com "My test key")'), stdout);
      assert.ok(stdout.includes('$ curl -i "http://127.0.0.1:8080/invites_api?key=$KEY"'), stdout);
      assert.match(stdout, /^EXIT CODES/m);
      for (const line of [/^\s+3\s+cannot reach the invites server/m, /^\s+4\s+no admin token, or the server refused it/m]) {
        assert.match(stdout, line);
      }
      assert.match(stdout, /keys\s+Create, list, disable, enable, rotate and delete the API keys/);
      assert.match(stdout, /serve\s+Run the invites server/);
    });

    for (const [id, example] of [
      ['keys:create', 'KEY=$(invitesctl keys:create example.com "My test key")'],
      ['keys:list', '$ invitesctl keys:list example.com'],
      ['keys:delete', '$ invitesctl keys:delete example.com Ab3dEf6hIj9k'],
      ['serve', '$ invitesctl serve --config /etc/invites/config.yaml'],
    ] as const) {
      it(`${id} --help shows real examples`, async () => {
        const { stdout, error } = await runCommand([id, '--help'], loadOptions);
        assert.equal(error, undefined);
        assert.match(stdout, /^EXAMPLES$/m);
        assert.ok(stdout.includes(example), stdout);
        if (id.startsWith('keys:')) {
          assert.match(stdout, /^EXIT CODES$/m);
          assert.match(stdout, /--url=URL\s+\[default: http:\/\/127\.0\.0\.1:8080, env: INVITES_URL\]/);
          assert.match(stdout, /--admin-token=TOKEN\s+\[env: INVITES_ADMIN_TOKEN\]/);
          assert.match(stdout, /--data-dir=DIR\s+\[default: \.\/data, env: INVITES_DATA_DIR\]/);
          assert.match(stdout, /--json/);
        }
      });
    }
  });

  it('keys:create prints the key alone and returns its record', async () => {
    const { stdout, stderr, result, error } = await run(['keys:create', 'example.com', '"in process"']);
    assert.equal(error, undefined, stderr);
    assert.match(stdout, /^[A-Za-z0-9_-]{12}\/[A-Za-z0-9_-]{36}\n$/);
    const created = result as { id: string; host: string; name: string; key: string };
    assert.equal(created.key, stdout.trim());
    assert.equal(created.name, 'in process');

    const list = await run(['keys:list', 'example.com']);
    assert.match(list.stdout, new RegExp(`^${created.id}\\s+in process\\s+\\d{4}-`, 'm'));
  });

  it('keys:delete of an unknown id: "Error: key not found", exit 1', async () => {
    const { stdout, stderr, error } = await run(['keys:delete', 'example.com', 'AAAAAAAAAAAA']);
    assert.equal(exitCodeOf(error), 1);
    assert.equal(stdout, '');
    assert.equal(stderr, 'Error: key not found\n');
  });

  it('extra words: usage error, exit 2, with the quoting hint', async () => {
    const { stderr, error } = await run(['keys:create', 'example.com', 'two', 'words']);
    assert.equal(exitCodeOf(error), 2);
    assert.equal(
      stderr,
      'Error: unexpected argument: words. Put quotes around a name with spaces: invitesctl keys:create example.com "My test key"\n',
    );
  });

  it('a bad host with --json: the error as JSON, exit 6', async () => {
    const { stdout, error } = await run(['keys:list', 'nope.example.net', '--json']);
    assert.equal(exitCodeOf(error), 6);
    const { error: json } = JSON.parse(stdout) as { error: { reason: string; message: string; exitCode: number } };
    assert.equal(json.reason, 'invalid_argument');
    assert.equal(json.exitCode, 6);
    assert.match(json.message, /^host "nope\.example\.net" is not configured on this server/);
  });

  it('an unreachable server: exit 3, one line, no stack trace', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { stderr, error } = await runCommand(['keys:list', 'example.com', '--url', url, '--admin-token', 'x'.repeat(32)], loadOptions);
    assert.equal(exitCodeOf(error), 3);
    assert.equal(stderr, `Error: cannot reach the invites server at ${url} (connection refused)\n`);
    assert.doesNotMatch(stderr, STACK_LINE);
  });
});
