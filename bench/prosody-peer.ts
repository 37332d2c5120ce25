// The peer: Debian's Prosody with the community mod_invites_api (apt `prosody prosody-modules`) on
// SQLite storage (apt `lua-dbi-sqlite3`), on loopback ports of its own, with an API key made by
// prosodyctl as the module's README says. The bench measures it with the same load generator.
import { execFile, spawn } from 'node:child_process';
import { access, chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  freePort,
  isRunning,
  loopbackListeners,
  lua,
  PROSODY_USER,
  prosodyIds,
  stopProsodyProcess,
} from '../test/support/prosody-config.js';

const run = promisify(execFile);
/** Where Debian's packages put the module and the SQLite driver. */
const INVITES_API_MODULE = '/usr/lib/prosody/modules/mod_invites_api/mod_invites_api.lua';

export interface ProsodyPeer {
  /**
   * `GET` this to make an invite: the key in `?key=`, as the module's README shows (without a
   * query string, mod_invites_api 0.12 fails with a 500: it decodes the missing query).
   */
  url: string;
  /** Prosody's process id, for its CPU time. */
  pid: number;
  stop(): Promise<void>;
}

/** Why the Prosody rows cannot run here, or undefined when they can. */
export async function prosodyMissing(): Promise<string | undefined> {
  const found = async (path: string) =>
    access(path).then(
      () => true,
      () => false,
    );
  if (
    !(await run('prosodyctl', ['about']).then(
      () => true,
      () => false,
    ))
  )
    return 'Prosody not found (Debian: apt install prosody prosody-modules lua-dbi-sqlite3)';
  if (!(await found(INVITES_API_MODULE))) return 'mod_invites_api not found (Debian: apt install prosody-modules)';
  const sqlite = await run('sh', ['-c', 'ls /usr/lib/*/lua/*/dbd/sqlite3.so /usr/lib/lua/*/dbd/sqlite3.so 2>/dev/null; true']).then(
    ({ stdout }) => stdout.trim() !== '',
    () => false,
  );
  if (!sqlite) return "Prosody's SQLite driver not found (Debian: apt install lua-dbi-sqlite3)";
  if (
    process.getuid?.() === 0 &&
    !(await run('id', ['-u', PROSODY_USER]).then(
      () => true,
      () => false,
    ))
  )
    return `no "${PROSODY_USER}" user to run Prosody as`;
  return undefined;
}

/**
 * Starts Prosody 0.12 with mod_invites_api on SQLite in a scratch folder under /tmp (every folder on
 * the way readable by the prosody user), as that user when run as root (Prosody refuses root).
 */
export async function startProsodyPeer(): Promise<ProsodyPeer> {
  const asRoot = process.getuid?.() === 0;
  const dir = await mkdtemp('/tmp/invites-bench-prosody-');
  await chmod(dir, 0o755);
  const dataDir = join(dir, 'data');
  await mkdir(dataDir, { mode: 0o750 });
  if (asRoot) {
    const { uid, gid } = await prosodyIds();
    await chown(dataDir, uid, gid);
  }
  const [c2sPort, httpPort] = [await freePort(), await freePort()];
  const configPath = join(dir, 'prosody.cfg.lua');
  const logPath = join(dataDir, 'prosody.log');
  await writeFile(
    configPath,
    `-- Written by bench/prosody-peer.ts
daemonize = false
pidfile = ${lua(join(dataDir, 'prosody.pid'))}
data_path = ${lua(dataDir)}
certificates = ${lua(dataDir)}
log = { { levels = { min = "warn" }, to = "file", filename = ${lua(logPath)} } }
${loopbackListeners({ c2s: c2sPort, http: httpPort }, 'localhost')}storage = "sql"
sql = { driver = "SQLite3", database = "prosody.sqlite" }
modules_enabled = { "disco" }

VirtualHost "localhost"
  modules_enabled = { "invites", "invites_api" }
`,
    { mode: 0o644 },
  );
  // prosodyctl run as root drops to the prosody user by itself.
  const { stdout } = await run('prosodyctl', ['--config', configPath, 'mod_invites_api', 'create', 'localhost', 'bench']).catch(
    async (err: unknown) => {
      await rm(dir, { recursive: true, force: true });
      throw err;
    },
  );
  const key = stdout.trim().split('\n').pop()!.trim();
  if (!/^[^/\s]+\/\S+$/.test(key)) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`prosodyctl mod_invites_api create printed no key: ${stdout}`);
  }

  const command: [string, string[]] = asRoot
    ? ['setpriv', ['--reuid', PROSODY_USER, '--regid', PROSODY_USER, '--init-groups', 'prosody', '-F', '--config', configPath]]
    : ['prosody', ['-F', '--config', configPath]];
  const child = spawn(command[0], command[1], { stdio: 'ignore' });
  const alive = () => isRunning(child);
  const stop = async () => {
    await stopProsodyProcess(child);
    await rm(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${httpPort}/invites_api?key=${encodeURIComponent(key)}`;
  for (const deadline = Date.now() + 20_000; ;) {
    const status = await fetch(url).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 201) break;
    if (!alive() || Date.now() > deadline) {
      const log = await readFile(logPath, 'utf8').catch(() => '');
      await stop();
      throw new Error(`Prosody did not answer 201 on ${url} (last status ${status}):\n${log.split('\n').slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // setpriv execs Prosody, so the child's pid is Prosody's.
  return { url, pid: child.pid!, stop };
}
