import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { createInvitesClient } from '../../client/index.js';
import { launchChromium } from '../support/chromium.js';
import { PROJECT_DIR } from '../support/server-process.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** Each step is bounded, so a stuck npm fails this test instead of leaving a process behind. */
const STEP_TIMEOUT_MS = 150_000;

/** This process's environment without npm's own variables (mocha may run under `npm test`). */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('npm_') && k !== 'INIT_CWD') env[k] = v;
  }
  return env;
}

async function run(cwd: string, command: string, args: string[]): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  const started = Date.now();
  const child = spawn(command, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], timeout: STEP_TIMEOUT_MS });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (err += c));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  return { code, out, err, ms: Date.now() - started };
}

/**
 * What a TypeScript user writes in a project of their own: the admin token makes a key (Connect,
 * HTTP/1.1, the default), the key makes an invite (gRPC over HTTP/2), and the browser entry
 * (connect-web over fetch, which Node has too) reads the invite's public view without a credential.
 */
const SCRIPT = `import { Code, createInvitesClient, InviteType, isInvitesError, timestampDate, type Invite } from 'invites/client';
import { createInvitesClient as createWebClient } from 'invites/client/web';

const [baseUrl, adminToken] = process.argv.slice(2);
if (!baseUrl || !adminToken) throw new Error('usage: node create-invite.js URL ADMIN_TOKEN');

const admin = createInvitesClient({ baseUrl, credential: adminToken });
const { key, fullKey } = await admin.keys.createKey({ host: 'localhost', name: 'scratch project' });

const withKey = createInvitesClient({ baseUrl, credential: fullKey, transport: 'grpc', httpVersion: '2' });
const { invite } = await withKey.invites.createInvite({ ttlSeconds: 3600, maxUses: 2 });
const created: Invite = invite!;

const page = createWebClient({ baseUrl });
const { invite: publicView } = await page.invites.getInvite({ token: created.token });
const missing = await page.invites.getInvite({ token: 'no-such-token' }).then(() => undefined, (err: unknown) => err);
const badKey = await createInvitesClient({ baseUrl, credential: 'k0/not-a-key' })
  .invites.createInvite({})
  .then(() => undefined, (err: unknown) => err);

console.log(JSON.stringify({
  keyId: key?.id,
  token: created.token,
  register: created.type === InviteType.REGISTER,
  expiresInMs: timestampDate(created.expireTime!).getTime() - Date.now(),
  publicHost: publicView?.host,
  publicUses: publicView?.remainingUses,
  notFound: isInvitesError(missing, Code.NotFound),
  unauthenticated: isInvitesError(badKey, Code.Unauthenticated),
}));

// Never called: tsc fails on an @ts-expect-error that expects nothing, so these lines prove the
// package's types are real (not \`any\`) and shape the options.
export function typesOnly(): void {
  // @ts-expect-error ttlSeconds is a number
  void withKey.invites.createInvite({ ttlSeconds: 'an hour' });
  // @ts-expect-error gRPC needs HTTP/2
  createInvitesClient({ baseUrl, transport: 'grpc', httpVersion: '1.1' });
  // @ts-expect-error a browser cannot speak gRPC
  createWebClient({ baseUrl, transport: 'grpc' });
  if (isInvitesError(missing, Code.NotFound)) {
    const code: Code.NotFound = missing.code;
    void code;
  }
}
`;

/**
 * A web page's script in the same project, bundled for the browser: Connect (JSON) with the key
 * creates an invite, gRPC-Web without a credential reads it back.
 */
const PAGE_SCRIPT = `import { Code, createInvitesClient, isInvitesError } from 'invites/client/web';

window.createAndRead = async (baseUrl, fullKey) => {
  const dashboard = createInvitesClient({ baseUrl, credential: fullKey });
  const { invite } = await dashboard.invites.createInvite({ note: 'from a web page' });
  const landing = createInvitesClient({ baseUrl, transport: 'grpc-web' });
  const { invite: view } = await landing.invites.getInvite({ token: invite.token });
  const missing = await landing.invites.getInvite({ token: 'no-such-token' }).catch((err) => err);
  return { token: invite.token, host: view.host, notFound: isInvitesError(missing, Code.NotFound) };
};
`;

/** The scratch project's tsconfig: strict, NodeNext, and the declarations of its packages checked too. */
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: false,
    types: ['node'],
  },
  files: ['create-invite.ts'],
};

describe('the npm package, installed by another project', function () {
  // npm pack (which builds) and an npm install from the local cache: a minute or two on a busy machine.
  this.timeout(240_000);
  let server: TestServer;
  let dir: string;
  let scratch: string;
  let tarball: string;

  before(async function () {
    server = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'invites-client-package-'));
    const pack = await run(PROJECT_DIR, 'npm', ['pack', '--silent', '--pack-destination', dir]);
    assert.equal(pack.code, 0, `npm pack failed:\n${pack.out}\n${pack.err}`);
    const packed = (await readdir(dir)).filter((f) => f.endsWith('.tgz'));
    assert.equal(packed.length, 1, `one tarball: ${packed.join(', ')}`);
    tarball = join(dir, packed[0]!);

    scratch = join(dir, 'scratch');
    await mkdir(scratch);
    await writeFile(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }, null, 2));
    await writeFile(join(scratch, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    await writeFile(join(scratch, 'create-invite.ts'), SCRIPT);
    // The project's own TypeScript and Node types, at the versions it is developed with.
    const dev = (JSON.parse(await readFile(join(PROJECT_DIR, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> })
      .devDependencies;
    const install = await run(scratch, 'npm', [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      tarball,
      `typescript@${dev.typescript}`,
      `@types/node@${dev['@types/node']}`,
    ]);
    assert.equal(install.code, 0, `npm install of the tarball failed:\n${install.out}\n${install.err}`);
    console.log(`        (npm pack ${(pack.ms / 1000).toFixed(1)} s, npm install ${(install.ms / 1000).toFixed(1)} s)`);
  });
  after(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('holds the compiled client, the generated code and their types, and no sources or tests', async () => {
    const list = await run(dir, 'tar', ['-tzf', tarball]);
    assert.equal(list.code, 0, list.err);
    const files = list.out
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    for (const needed of [
      'dist/client/index.js',
      'dist/client/index.d.ts',
      'dist/client/web.js',
      'dist/client/web.d.ts',
      'dist/gen/invites/v1/invite_service_pb.js',
      'dist/gen/invites/v1/invite_service_pb.d.ts',
      'dist/gen/invites/v1/key_admin_pb.js',
      'dist/gen/invites/v1/key_admin_pb.d.ts',
      'dist/cli/commands/keys/list.js',
      'bin/run.js',
      // The server in the package serves it at /openapi.json and reads it when it starts.
      'openapi/openapi.json',
    ]) {
      assert.ok(files.includes(needed), `${needed} is in the tarball`);
    }
    const stray = files.filter((f) => !/^(dist\/.*\.(js|d\.ts)|bin\/run\.js|openapi\/openapi\.json|package\.json|README\.md)$/.test(f));
    assert.deepEqual(stray, [], 'nothing but the compiled code, its types, the launcher, the OpenAPI document, package.json and README');
  });

  it("type-checks a script against the package's types, which then creates a key and an invite", async () => {
    const tsc = await run(scratch, join(scratch, 'node_modules/.bin/tsc'), ['-p', '.']);
    assert.equal(tsc.code, 0, `tsc failed:\n${tsc.out}\n${tsc.err}`);

    const script = await run(scratch, process.execPath, ['create-invite.js', server.url, server.adminToken]);
    assert.equal(script.code, 0, `the script failed:\n${script.out}\n${script.err}`);
    const result = JSON.parse(script.out) as Record<string, unknown>;
    assert.match(String(result.keyId), /^\S+$/);
    assert.equal(result.register, true);
    assert.ok(Number(result.expiresInMs) > 3_500_000 && Number(result.expiresInMs) <= 3_600_000, `an hour: ${String(result.expiresInMs)}`);
    assert.equal(result.publicHost, 'localhost');
    assert.equal(result.publicUses, 2);
    assert.equal(result.notFound, true, 'an unknown token is Code.NotFound');
    assert.equal(result.unauthenticated, true, 'a bad key is Code.Unauthenticated');

    // The invite is stored, made by the key the admin token created.
    const doc = await server.database.client
      .db(server.database.name)
      .collection('invites')
      .findOne({ _id: String(result.token) as never });
    assert.ok(doc, 'the invite is stored');
    assert.equal(doc.host, 'localhost');
    assert.match(JSON.stringify(doc), new RegExp(String(result.keyId)), 'made with the new key');
  });

  it('bundles invites/client/web for a browser, where a page on another origin creates and reads an invite', async () => {
    await writeFile(join(scratch, 'page.js'), PAGE_SCRIPT);
    // platform "browser": a Node built-in anywhere under the web entry fails the bundle.
    const bundle = await build({ entryPoints: [join(scratch, 'page.js')], bundle: true, format: 'esm', platform: 'browser', write: false });
    const js = bundle.outputFiles[0]!.text;
    const { fullKey } = await createInvitesClient({ baseUrl: server.url, credential: server.adminToken }).keys.createKey({
      host: 'localhost',
      name: 'web page',
    });
    const site = http.createServer((req, res) => {
      if (req.url === '/page.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
      } else {
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<!doctype html><title>dashboard</title><script type="module" src="/page.js"></script>');
      }
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
      await page.waitForFunction(() => 'createAndRead' in window);
      const result = await page.evaluate(
        ([baseUrl, key]) =>
          (window as unknown as { createAndRead(u: string, k: string): Promise<Record<string, unknown>> }).createAndRead(baseUrl!, key!),
        [server.url, fullKey],
      );
      assert.equal(result.host, 'localhost');
      assert.equal(result.notFound, true, 'an unknown token is Code.NotFound in the browser too');
      const doc = await server.database.client
        .db(server.database.name)
        .collection('invites')
        .findOne({ _id: String(result.token) as never });
      assert.equal(doc?.note, 'from a web page', 'the invite the page created is stored');
    } finally {
      await browser.close();
      await new Promise((resolve) => site.close(resolve));
    }
  });

  it('installs a working invitesctl, which creates a key and lists it', async () => {
    const invitesctl = (...args: string[]) =>
      run(scratch, join(scratch, 'node_modules/.bin/invitesctl'), [
        ...args,
        '--url',
        server.url,
        '--admin-token',
        server.adminToken,
        '--json',
      ]);
    const created = await invitesctl('keys:create', 'localhost', 'from the packed cli');
    assert.equal(created.code, 0, `invitesctl keys:create failed:\n${created.out}\n${created.err}`);
    const { id } = JSON.parse(created.out) as { id: string };
    const listed = await invitesctl('keys:list', 'localhost');
    assert.equal(listed.code, 0, `invitesctl keys:list failed:\n${listed.out}\n${listed.err}`);
    const keys = (JSON.parse(listed.out) as { keys: Array<{ id: string; name: string }> }).keys;
    assert.deepEqual(
      keys.filter((k) => k.id === id).map((k) => k.name),
      ['from the packed cli'],
    );
  });
});
