import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { closedPort, PACKAGE_ROOT, runInvitesctl, STACK_LINE } from './cli-harness.js';

const packageVersion = async () => (JSON.parse(await readFile(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('invitesctl version, serve --print-config and shell completion (the real binary)', function () {
  this.timeout(60_000);
  let cwd: string;
  before(async () => {
    assert.ok(existsSync(join(PACKAGE_ROOT, 'dist/cli/commands/version.js')), 'bin/run.js runs dist/: run "npm run build:ts" first');
    cwd = await mkdtemp(join(tmpdir(), 'invitesctl-ops-'));
  });
  after(async () => rm(cwd, { recursive: true, force: true }));

  describe('version', () => {
    let server: TestServer;
    before(async () => (server = await startTestServer()));
    after(async () => server.stop());

    it('shows the client and the server version, as text and as JSON, without an admin token', async () => {
      const version = await packageVersion();
      const text = await runInvitesctl(['version', '--url', server.url], { cwd });
      assert.equal(text.code, 0, text.stderr);
      assert.equal(text.stdout, `client  invitesctl ${version} (node ${process.version})\nserver  invites ${version} at ${server.url}\n`);
      const json = await runInvitesctl(['version', '--json'], { cwd, env: { INVITES_URL: server.url } });
      assert.equal(json.code, 0, json.stderr);
      assert.deepEqual(JSON.parse(json.stdout), { client: { version, node: process.version }, server: { url: server.url, version } });
    });

    it('an unreachable server: the client version, then one error line and exit 3', async () => {
      const url = `http://127.0.0.1:${await closedPort()}`;
      const result = await runInvitesctl(['version', '--url', url], { cwd });
      assert.equal(result.code, 3);
      assert.match(result.stdout, /^client {2}invitesctl /);
      assert.equal(result.stderr, `Error: cannot reach the invites server at ${url} (connection refused)\n`);
      assert.doesNotMatch(result.stderr, STACK_LINE);
    });
  });

  describe('serve --print-config', () => {
    const env = {
      MONGODB_URI: 'mongodb://invites:S3cretPassw0rd@db1.internal:27017/?replicaSet=rs0',
      INVITES_ADMIN_TOKEN: 'the-admin-token-must-stay-secret',
      INVITES_HOSTS: 'example.com=https://example.com',
    };

    it('prints the file and environment merged, the admin token and database password masked, and exits 0', async () => {
      const file = join(cwd, 'invites.yaml');
      await writeFile(file, 'port: 9090\nlogLevel: warn\n');
      const result = await runInvitesctl(['serve', '--config', file, '--print-config'], { cwd, env });
      assert.equal(result.code, 0, result.stderr);
      assert.ok(!result.stdout.includes('S3cretPassw0rd') && !result.stdout.includes('the-admin-token-must-stay-secret'), result.stdout);
      const printed = parseYaml(result.stdout);
      assert.equal(printed.port, 9090);
      assert.equal(printed.logLevel, 'warn');
      assert.equal(printed.mongodbUri, 'mongodb://invites:********@db1.internal:27017/?replicaSet=rs0');
      assert.equal(printed.adminToken, '********');
      assert.deepEqual(printed.hosts, [
        {
          name: 'example.com',
          publicBaseUrl: 'https://example.com',
          inviteTtl: '7d',
          maxInviteTtl: '30d',
          landingPage: 'https://example.com/invite?{token}',
        },
      ]);
      const json = await runInvitesctl(['serve', '--print-config', '--json'], { cwd, env });
      assert.equal(json.code, 0, json.stderr);
      assert.equal(JSON.parse(json.stdout).adminToken, '********');
    });

    it('a bad setting: exit 78, naming it', async () => {
      const result = await runInvitesctl(['serve', '--print-config'], { cwd, env: { ...env, INVITES_HEALTH_INTERVAL: 'often' } });
      assert.equal(result.code, 78);
      assert.match(result.stderr, /healthCheckInterval \(from INVITES_HEALTH_INTERVAL\): "often" is not a duration/);
      assert.equal(result.stdout, '');
    });
  });

  describe('shell completion (oclif autocomplete)', () => {
    it('sets up bash completion: a real bash registers it, and it names every command and its flags', async () => {
      const cache = join(cwd, 'cache');
      const env = { XDG_CACHE_HOME: cache, HOME: cwd };
      const setup = await runInvitesctl(['autocomplete', 'bash'], { cwd, env });
      assert.equal(setup.code, 0, setup.stderr);
      assert.ok(setup.stdout.includes('printf "$(invitesctl autocomplete:script bash)" >> ~/.bashrc'), setup.stdout);
      const script = await runInvitesctl(['autocomplete:script', 'bash'], { cwd, env });
      assert.equal(script.code, 0, script.stderr);
      // What the user's ~/.bashrc line does: a real bash then completes invitesctl with our function.
      const { stdout: registered } = await promisify(execFile)('bash', ['-c', `${script.stdout}\ncomplete -p invitesctl`]);
      assert.equal(registered.trim(), 'complete -o default -F _invitesctl_autocomplete invitesctl');
      const completion = await readFile(join(cache, 'invites/autocomplete/functions/bash/invitesctl.bash'), 'utf8');
      assert.match(completion, /^complete .* invitesctl$/m);
      for (const line of [
        /^keys:create --json --url --admin-token --data-dir --expires-in --rate-limit --max-valid-invites --max-uses-ceiling --max-ttl$/m,
        /^keys:update /m,
        /^invites:update /m,
        /^keys:list /m,
        /^keys:delete /m,
        /^serve --config --print-config --json$/m,
        /^version --json --url$/m,
      ]) {
        assert.match(completion, line);
      }
    });
  });
});
