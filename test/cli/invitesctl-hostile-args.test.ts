import assert from 'node:assert/strict';
import { Config, settings, type Interfaces } from '@oclif/core';
import { runCommand } from '@oclif/test';
import { EJSON } from 'bson';
import fc from 'fast-check';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { sourceLoadOptions, STACK_LINE } from './cli-harness.js';

/** `error.oclif.exit` of a failed command: oclif's ExitError carries the exit code. */
const exitCodeOf = (error: (Error & { oclif?: { exit?: number } }) | undefined) => error?.oclif?.exit ?? 0;

// Every invitesctl command that talks to a server, with generated arguments and flag values:
// each ends with one clear line (or a JSON error) and a documented exit code, never a stack
// trace or a server error, and nothing lands in the database.
describe('invitesctl with hostile arguments (property-based)', function () {
  this.timeout(180_000);
  let loadOptions: Interfaces.LoadOptions;
  let savedAutoTranspile: boolean | undefined;
  let server: TestServer;
  let commands: Array<{ id: string; flags: string[] }>;

  const dump = async () => {
    const db = server.database.client.db(server.database.name);
    return Promise.all(
      ['keys', 'invites', 'redemptions', 'audit'].map(async (c) =>
        EJSON.stringify(await db.collection(c).find().sort({ _id: 1 }).toArray()),
      ),
    );
  };

  before(async () => {
    savedAutoTranspile = settings.enableAutoTranspile;
    settings.enableAutoTranspile = false;
    loadOptions = sourceLoadOptions();
    const config = await Config.load(loadOptions);
    const connection = new Set(['url', 'admin-token', 'data-dir', 'json']);
    // `serve` would start a server and `autocomplete` talks to no server: the rest do.
    commands = config.commands
      .filter((c) => !['serve', 'autocomplete', 'version'].includes(c.id) && !c.id.startsWith('autocomplete'))
      .map((c) => ({ id: c.id, flags: Object.keys(c.flags).filter((f) => !connection.has(f)) }));
    assert.ok(commands.length >= 10, commands.map((c) => c.id).join(' '));
    server = await startTestServer();
  });
  after(async () => {
    settings.enableAutoTranspile = savedAutoTranspile;
    await server?.stop();
  });

  it('ends every command with one clear line and a documented exit code, and changes nothing', async () => {
    const before = await dump();
    const word = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.string({ maxLength: 20, unit: 'binary' }),
      fc.constantFrom(
        '',
        '-',
        '--',
        '-x',
        '--json=maybe',
        '--no-such-flag',
        'example.com.',
        'EXAMPLE..COM',
        '../../etc/passwd',
        '$(id)',
        '`id`',
        '\u202e',
        'AAAAAAAAAAAA',
        '-1',
        '1e309',
        '0x10',
        'NaN',
        '9'.repeat(30),
      ),
      fc.integer({ min: 300, max: 5000 }).map((n) => 'h'.repeat(n)),
    );
    const invocation = fc
      .constantFrom(...commands)
      .chain((c) =>
        fc.tuple(
          fc.constant(c.id),
          fc.array(word, { maxLength: 4 }),
          fc.array(fc.tuple(fc.constantFrom(...(c.flags.length ? c.flags : ['json'])), word), { maxLength: 3 }),
          fc.boolean(),
        ),
      );
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(invocation, async ([id, args, flags, json]) => {
        const argv = [
          id,
          ...args,
          ...flags.flatMap(([f, v]) => [`--${f}`, v]),
          ...(json ? ['--json'] : []),
          '--url',
          server.url,
          '--admin-token',
          server.adminToken,
        ];
        const { stdout, stderr, error } = await runCommand(argv, loadOptions);
        runs++;
        const code = exitCodeOf(error);
        const what =
          `${JSON.stringify(argv.slice(0, -4)).slice(0, 300)} → exit ${code}\n` +
          `stdout: ${stdout.slice(0, 300)}\nstderr: ${stderr.slice(0, 300)}`;
        assert.ok([0, 1, 2, 6].includes(code), what);
        assert.doesNotMatch(stdout + stderr, STACK_LINE, what);
        if (code === 0) {
          assert.ok(/:list$/.test(id), `only listings may succeed on made-up arguments: ${what}`);
          return;
        }
        if (argv.includes('--json') && stdout.startsWith('{')) {
          const parsed = JSON.parse(stdout) as { error: { message: string; exitCode: number } };
          assert.equal(parsed.error.exitCode, code, what);
          assert.ok(parsed.error.message.length >= 10, what);
          assert.equal(stderr, '', what);
        } else {
          assert.match(stderr, /^Error: [^\n]{10,}\n$/, what);
        }
      }),
      { numRuns: 100 },
    );
    assert.equal(runs, 100);
    assert.deepEqual(await dump(), before, 'nothing was created, changed or deleted');
    assert.deepEqual(
      server.logs.filter((l) => /"level":(50|60)/.test(l)),
      [],
      'nothing was logged as an error',
    );
  });
});
