import { Flags, type Interfaces } from '@oclif/core';
import { resolveAdminToken } from './admin-token.js';
import { InvitesCommand } from './base-command.js';
import { createInvitesClient, type InvitesClient } from '../client/index.js';

export const DEFAULT_SERVER_URL = 'http://127.0.0.1:8080';

/** --url: an http(s) server URL, without a trailing slash. */
const serverUrlFlag = Flags.custom<string>({
  async parse(input) {
    if (!URL.canParse(input) || !/^https?:$/.test(new URL(input).protocol)) {
      throw new Error(`must be an http:// or https:// URL such as ${DEFAULT_SERVER_URL}, not "${input}"`);
    }
    return input.replace(/\/+$/, '');
  },
});

/** --url (or INVITES_URL): the server a command talks to. Also used by `version`, which needs no token. */
export const urlFlag = serverUrlFlag({
  description: 'the invites server',
  env: 'INVITES_URL',
  default: DEFAULT_SERVER_URL,
  helpValue: 'URL',
});

/** The flags of every command that talks to the server with the admin token. */
const connectionFlags = {
  url: urlFlag,
  'admin-token': Flags.string({
    description: "the server's admin token; by default read from <data-dir>/admin-token",
    env: 'INVITES_ADMIN_TOKEN',
    helpValue: 'TOKEN',
  }),
  'data-dir': Flags.string({
    description: "the server's data directory, where it wrote its admin token",
    env: 'INVITES_DATA_DIR',
    default: './data',
    helpValue: 'DIR',
  }),
};

export type ConnectionFlags = Interfaces.InferredFlags<typeof connectionFlags>;

/**
 * A command that calls the server with the admin token (keys, invites, audit): --url,
 * --admin-token, --data-dir and --json.
 */
export abstract class AdminCommand extends InvitesCommand {
  static override enableJsonFlag = true;
  static override baseFlags = connectionFlags;

  /** The KeyAdmin client for these flags; reads the token file when no token is given. */
  protected async connectKeyAdmin(flags: ConnectionFlags): Promise<InvitesClient['keys']> {
    return (await this.connect(flags)).keys;
  }

  /** The InviteService client for these flags, with the admin token. */
  protected async connectInvites(flags: ConnectionFlags): Promise<InvitesClient['invites']> {
    return (await this.connect(flags)).invites;
  }

  /**
   * The same client a TypeScript user gets from invites/client: Connect over HTTP/1.1 (the
   * default), which works through any proxy and opens no session that would keep the CLI alive.
   */
  private async connect(flags: ConnectionFlags): Promise<InvitesClient> {
    this.serverUrl = flags.url;
    const credential = await resolveAdminToken(flags['admin-token'], flags['data-dir']);
    return createInvitesClient({ baseUrl: flags.url, credential });
  }
}
