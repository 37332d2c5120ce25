import { Code, ConnectError } from '../../client/index.js';
import { InvitesCommand } from '../base-command.js';
import { CliFailure } from '../cli-failure.js';
import { ExitCode } from '../exit-codes.js';
import { urlFlag } from '../admin-command.js';

export interface VersionJson {
  client: { version: string; node: string };
  server: { url: string; version: string };
}

const TIMEOUT_MS = 10_000;

export default class Version extends InvitesCommand {
  static override summary = 'Show the versions of invitesctl and of the server at --url.';
  static override description =
    "The server's version comes from its GET /healthz, which needs no admin token. " +
    'Exit code 3 when the server cannot be reached (the client version is still printed).';
  static override examples = [
    { description: 'The local server:', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'A remote server, as JSON:', command: '<%= config.bin %> <%= command.id %> --url https://invites.example.com --json' },
  ];
  static override enableJsonFlag = true;
  static override flags = {
    url: urlFlag,
  };

  async run(): Promise<VersionJson> {
    const { flags } = await this.parse(Version);
    const client = { version: this.config.version, node: process.version };
    this.log(`client  invitesctl ${client.version} (node ${client.node})`);
    this.serverUrl = flags.url;
    const server = { url: flags.url, version: await this.serverVersion(flags.url) };
    this.log(`server  invites ${server.version} at ${server.url}`);
    return { client, server };
  }

  private async serverVersion(url: string): Promise<string> {
    let res: Response;
    try {
      res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(TIMEOUT_MS), headers: { accept: 'application/json' } });
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') {
        throw new CliFailure(ExitCode.unreachable, 'timeout', `the invites server at ${url} did not answer in ${TIMEOUT_MS / 1000} s`);
      }
      // As a failed RPC, so the one error mapping words the network failure (refused, unknown host, ...).
      const detail = ((err as Error).cause as Error | undefined)?.message ?? (err as Error).message;
      throw new ConnectError(detail, Code.Unavailable, undefined, undefined, err);
    }
    const body = (await res.json().catch(() => undefined)) as { version?: unknown } | undefined;
    if (!res.ok || typeof body?.version !== 'string') {
      throw new CliFailure(
        ExitCode.unreachable,
        'not_an_invites_server',
        `cannot reach the invites server at ${url}: GET /healthz answered ${res.status} without a version (is --url right?)`,
      );
    }
    return body.version;
  }
}
