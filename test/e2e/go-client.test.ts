import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { InviteStatus } from '../../gen/invites/v1/invite_pb.js';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { packageRoot } from '../../server/app/package-root.js';
import { codeBlocks, section, shellCommands } from '../support/markdown.js';
import { runProgram } from '../support/run-program.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const ROOT = packageRoot();
const BUF = join(ROOT, 'node_modules/.bin/buf');
// What docs/rpc-api.md tells a Go user to run; the test adds only `-o` to keep the stubs in a temp dir.
const GENERATE = 'npx buf generate --template buf.gen.go.yaml';
// The first run downloads the plugins' and connect-go's modules into Go's module cache (outside the
// repository, shared with the embedded database's build); later runs take seconds.
const GO_TIMEOUT_MS = 240_000;

const run = (file: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) =>
  runProgram(file, args, { cwd: options.cwd ?? ROOT, env: options.env, timeoutMs: GO_TIMEOUT_MS });

interface GoResult {
  uri: string;
  token: string;
  host: string;
  landing_page_url: string;
  source: string;
  key_id: string;
  protocol: string;
  refused_with: string;
}

describe('a Go client generated from proto/ with protoc-gen-go and protoc-gen-connect-go', function () {
  let server: TestServer;
  let work: string;
  let example: string;

  before(async function () {
    this.timeout(2 * GO_TIMEOUT_MS);
    // Generated and built outside the repository: buf writes the template's clients/go/gen/ under
    // `work`, next to a copy of our Go module (go.mod pins the plugins and connect-go).
    work = await mkdtemp(join(tmpdir(), 'invites-go-client-'));
    await run(BUF, [...GENERATE.split(' ').slice(2), '-o', work]);
    const module = join(work, 'clients/go');
    await mkdir(join(module, 'example'), { recursive: true });
    for (const file of ['go.mod', 'go.sum', 'example/main.go']) await copyFile(join(ROOT, 'clients/go', file), join(module, file));
    example = join(work, 'example');
    // -mod=readonly (the default, spelled out): a go.sum missing an entry fails here, not for a user.
    await run('go', ['build', '-mod=readonly', '-o', example, './example'], { cwd: module });
    server = await startTestServer();
  });
  after(async () => {
    await server?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  for (const protocol of ['connect', 'grpc']) {
    it(`creates an API key and an invite that the server stored, and gets unauthenticated for a bad key (${protocol})`, async function () {
      this.timeout(60_000);
      const logged = server.logs.length;
      const out = await run(example, ['-url', server.url, '-host', 'localhost', '-protocol', protocol], {
        env: { PATH: process.env.PATH ?? '', INVITES_ADMIN_TOKEN: server.adminToken },
      });
      const result = JSON.parse(out) as GoResult;
      assert.match(result.token, /^[A-Za-z0-9_-]{24}$/);
      assert.equal(result.uri, `xmpp:localhost?register;preauth=${result.token}`);
      assert.equal(result.host, 'localhost');
      assert.equal(result.landing_page_url, `http://localhost:8080/invite?${result.token}`);
      assert.equal(result.source, `api/token/${result.key_id}`);
      assert.equal(result.protocol, protocol);
      assert.equal(result.refused_with, 'unauthenticated');
      await new Promise((r) => setTimeout(r, 50));
      const requests = server.logs
        .slice(logged)
        .map((l) => JSON.parse(l) as { msg: string; route: string; protocol: string; code?: string })
        .filter((l) => l.msg === 'request')
        .map(({ route, protocol: spoken, code }) => ({ route, protocol: spoken, code }));
      assert.deepEqual(
        requests,
        [
          { route: '/invites.v1.KeyAdmin/CreateKey', protocol, code: 'ok' },
          { route: '/invites.v1.InviteService/CreateInvite', protocol, code: 'ok' },
          { route: '/invites.v1.InviteService/CreateInvite', protocol, code: 'unauthenticated' },
        ],
        `the server saw the three calls over ${protocol}`,
      );

      const invites = createClient(InviteService, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }));
      const { invite } = await invites.getInvite({ token: result.token });
      assert.equal(invite?.uri, result.uri, 'the server answers for the invite the Go client made');
      assert.equal(invite?.status, InviteStatus.VALID);
      const db = server.database.client.db(server.database.name);
      assert.equal(
        (await db.collection<{ _id: string; keyId?: string }>('invites').findOne({ _id: result.token }))?.keyId,
        result.key_id,
        'made with the new key',
      );
      assert.equal(
        (await db.collection<{ _id: string; name?: string }>('keys').findOne({ _id: result.key_id }))?.name,
        `go client (${protocol})`,
      );
    });
  }

  it('is what docs/rpc-api.md tells a Go user to run', async () => {
    const commands = codeBlocks(section(await readFile(join(ROOT, 'docs/rpc-api.md'), 'utf8'), 'Clients in other languages')).flatMap(
      shellCommands,
    );
    assert.ok(commands.includes(GENERATE), `the docs show "${GENERATE}"`);
    assert.ok(
      commands.some((c) => c.includes('go -C clients/go run ./example')),
      'the docs show how to run the example',
    );
  });
});
