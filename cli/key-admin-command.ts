import { Flags, type Interfaces } from '@oclif/core';
import { resolveAdminToken } from './admin-token.js';
import { InvitesCommand } from './base-command.js';
import { createKeyAdminClient, type KeyAdminClient } from './key-admin-client.js';

export const DEFAULT_SERVER_URL = 'http://127.0.0.1:8080';

/** --url: an http(s) server URL, without a trailing slash. */
export const serverUrlFlag = Flags.custom<string>({
  async parse(input) {
    if (!URL.canParse(input) || !/^https?:$/.test(new URL(input).protocol)) {
      throw new Error(`must be an http:// or https:// URL such as ${DEFAULT_SERVER_URL}, not "${input}"`);
    }
    return input.replace(/\/+$/, '');
  },
});

/** The flags of every command that talks to the KeyAdmin API. */
const connectionFlags = {
  url: serverUrlFlag({
    description: 'the invites server',
    env: 'INVITES_URL',
    default: DEFAULT_SERVER_URL,
    helpValue: 'URL',
  }),
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

/** A command that calls the KeyAdmin API: --url, --admin-token, --data-dir and --json. */
export abstract class KeyAdminCommand extends InvitesCommand {
  static override enableJsonFlag = true;
  static override baseFlags = connectionFlags;

  /** The KeyAdmin client for these flags; reads the token file when no token is given. */
  protected async connect(flags: ConnectionFlags): Promise<KeyAdminClient> {
    this.serverUrl = flags.url;
    const token = await resolveAdminToken(flags['admin-token'], flags['data-dir']);
    return createKeyAdminClient(flags.url, token);
  }
}
