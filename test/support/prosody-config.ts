// What the test Prosody (test/support/prosody.ts) and the bench's peer (bench/prosody-peer.ts)
// share: the user Prosody runs as, free loopback ports, Lua strings, a config that listens on
// loopback only, without TLS or server-to-server, and stopping it.
import { execFile, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';

/** True while `child` has neither exited nor been killed. */
export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Stops a Prosody child: SIGTERM, then SIGKILL if it is still there after 5 s. */
export async function stopProsodyProcess(child: ChildProcess): Promise<void> {
  if (!isRunning(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Prosody refuses root: as root, it runs as this user. */
export const PROSODY_USER = 'prosody';

/** A loopback port free right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `s` as a Lua string literal. */
export function lua(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** The prosody user's uid and gid, for the folders it must own. */
export async function prosodyIds(): Promise<{ uid: number; gid: number }> {
  const run = promisify(execFile);
  const uid = Number((await run('id', ['-u', PROSODY_USER])).stdout.trim());
  const gid = Number((await run('id', ['-g', PROSODY_USER])).stdout.trim());
  return { uid, gid };
}

/** Config lines: client and HTTP ports on 127.0.0.1 only, no TLS, no server-to-server. */
export function loopbackListeners(ports: { c2s: number; http: number }, httpHost: string): string {
  return `interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_ports = { ${ports.c2s} }
c2s_direct_tls_ports = {}
legacy_ssl_ports = {}
s2s_ports = {}
s2s_direct_tls_ports = {}
component_ports = {}
http_ports = { ${ports.http} }
http_interfaces = { "127.0.0.1" }
http_default_host = ${lua(httpHost)}
https_ports = {}
c2s_require_encryption = false
s2s_require_encryption = false
`;
}
