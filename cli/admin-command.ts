import { Flags, type Interfaces } from '@oclif/core';
import { resolveAdminToken } from './admin-token.js';
import { InvitesCommand } from './base-command.js';
import { createInviteServiceClient, type InviteServiceClient } from './invite-service-client.js';
import { createKeyAdminClient, type KeyAdminClient } from './key-admin-client.js';

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
  protected async connectKeyAdmin(flags: ConnectionFlags): Promise<KeyAdminClient> {
    return createKeyAdminClient(flags.url, await this.adminToken(flags));
  }

  /** The InviteService client for these flags, with the admin token. */
  protected async connectInvites(flags: ConnectionFlags): Promise<InviteServiceClient> {
    return createInviteServiceClient(flags.url, await this.adminToken(flags));
  }

  private async adminToken(flags: ConnectionFlags): Promise<string> {
    this.serverUrl = flags.url;
    return resolveAdminToken(flags['admin-token'], flags['data-dir']);
  }
}
