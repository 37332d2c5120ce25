import { execFile, spawn } from 'node:child_process';
import { chmod, chown, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../server/app/package-root.js';
import { freePort, isRunning, loopbackListeners, lua, PROSODY_USER, prosodyIds, stopProsodyProcess } from './prosody-config.js';
import type { XmppServer } from './xmpp-client.js';

export { freePort } from './prosody-config.js';

/** Debian's Prosody (apt `prosody prosody-modules`), started by a test with our mod_invites. */
export interface TestProsody extends XmppServer {
  /** Prosody's HTTP port (loopback), for modules that serve pages. */
  httpPort: number;
  /** The scratch folder holding the config, our module and the data. */
  dir: string;
  configPath: string;
  dataDir: string;
  /** Whether the Prosody process is still running. */
  alive(): boolean;
  /** Everything Prosody logged so far (debug level). */
  log(): Promise<string>;
  /** Roles Prosody stored for a local user (mod_invites_register writes them at sign-up). */
  storedRoles(username: string): Promise<string[]>;
  /** Runs `prosodyctl --config <ours> ARGS` (as the prosody user) and returns what it printed. */
  prosodyctl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

export interface ProsodyOptions {
  /** The invites service the module talks to, and an API key of `domain` there. */
  serviceUrl: string;
  serviceKey: string;
  /** The VirtualHost; `localhost` unless given. */
  domain?: string;
  /** Extra settings of the VirtualHost, as Lua expressions (e.g. `{ allow_user_invites: 'true' }`). */
  hostSettings?: Record<string, string>;
  /** Extra modules of the VirtualHost (e.g. `invites_page`, which also turns on Prosody's HTTP server). */
  hostModules?: string[];
  /** Prosody's HTTP port, when the caller needs to know it before Prosody starts (see `freePort`). */
  httpPort?: number;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts Prosody on a free loopback port with a config and data folder of its own under /tmp,
 * our module folder first in `plugin_paths`, and waits until it accepts clients. As root it runs
 * as the `prosody` user (Prosody refuses root); otherwise as the current user.
 */
export async function startProsody(options: ProsodyOptions): Promise<TestProsody> {
  const domain = options.domain ?? 'localhost';
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot ? await prosodyIds() : undefined;

  // Under /tmp so that every folder on the way is readable by the prosody user (a clone under
  // /root is not); the module is copied there for the same reason.
  const dir = await mkdtemp('/tmp/invites-prosody-');
  await chmod(dir, 0o755);
  const pluginDir = join(dir, 'plugins');
  await cp(join(packageRoot(), 'integrations/prosody'), pluginDir, { recursive: true });
  await promisify(execFile)('chmod', ['-R', 'a+rX', pluginDir]);
  const dataDir = join(dir, 'data');
  const certsDir = join(dir, 'certs');
  await mkdir(dataDir, { mode: 0o750 });
  await mkdir(certsDir, { mode: 0o750 });
  if (ids) {
    await chown(dataDir, ids.uid, ids.gid);
    await chown(certsDir, ids.uid, ids.gid);
  }
  const logPath = join(dataDir, 'prosody.log');
  const port = await freePort();
  const httpPort = options.httpPort ?? (await freePort());
  const modules = ['invites', 'invites_register', 'invites_adhoc', 'adhoc', 'register_ibr', ...(options.hostModules ?? [])];

  const hostSettings = Object.entries(options.hostSettings ?? {})
    .map(([k, v]) => `  ${k} = ${v}\n`)
    .join('');
  const config = `-- Written by test/support/prosody.ts
daemonize = false
data_path = ${lua(dataDir)}
certificates = ${lua(certsDir)}
log = { { levels = { min = "debug" }, to = "file", filename = ${lua(logPath)} } }
plugin_paths = { ${lua(pluginDir)} }
${loopbackListeners({ c2s: port, http: httpPort }, domain)}allow_unencrypted_plain_auth = true
authentication = "internal_hashed"
storage = "internal"
modules_enabled = { "roster", "saslauth", "disco" }
admins = { ${lua(`admin@${domain}`)} }

VirtualHost ${lua(domain)}
  modules_enabled = { ${modules.map(lua).join(', ')} }
  invites_service_url = ${lua(options.serviceUrl)}
  invites_service_key = ${lua(options.serviceKey)}
${hostSettings}`;
  const configPath = join(dir, 'prosody.cfg.lua');
  await writeFile(configPath, config, { mode: 0o644 });

  const command = asRoot
    ? ['setpriv', ['--reuid', PROSODY_USER, '--regid', PROSODY_USER, '--init-groups', 'prosody', '-F', '--config', configPath]]
    : ['prosody', ['-F', '--config', configPath]];
  const child = spawn(command[0] as string, command[1] as string[], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d) => (output += String(d)));
  child.stderr?.on('data', (d) => (output += String(d)));
  child.on('error', (err) => (output += `\n${err.message}`));
  // Never leave a Prosody behind, even when mocha exits without running after-hooks.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const log = () => readFile(logPath, 'utf8').catch(() => '');
  const alive = () => isRunning(child);
  const stop = async () => {
    await stopProsodyProcess(child);
    process.removeListener('exit', killOnExit);
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 20_000;
  while (!(await accepts(port))) {
    if (!alive() || Date.now() > deadline) {
      const tail = (await log()).split('\n').slice(-30).join('\n');
      await stop();
      throw new Error(`Prosody did not start (${alive() ? 'timeout' : `exit ${child.exitCode ?? child.signalCode}`}):\n${output}\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    domain,
    port,
    httpPort,
    dir,
    configPath,
    dataDir,
    alive,
    log,
    async storedRoles(username) {
      // Prosody's internal storage: data/<host, %-escaped>/roles/<user>.dat, a Lua table.
      const file = join(dataDir, encodeURIComponent(domain).replace(/\./g, '%2e'), 'roles', `${username}.dat`);
      const text = await readFile(file, 'utf8').catch(() => '');
      return [...text.matchAll(/\["([^"]+)"\]\s*=\s*true/g)].map((m) => m[1] as string).sort();
    },
    async prosodyctl(args) {
      return new Promise((resolve) => {
        execFile('prosodyctl', ['--config', configPath, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
          resolve({ code, stdout, stderr });
        });
      });
    },
    stop,
  };
}
