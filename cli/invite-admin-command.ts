import { resolveAdminToken } from './admin-token.js';
import { createInviteServiceClient, type InviteServiceClient } from './invite-service-client.js';
import { KeyAdminCommand, type ConnectionFlags } from './key-admin-command.js';

/** A command that manages invites with the admin token: the same --url, --admin-token, --data-dir and --json as the keys commands. */
export abstract class InviteAdminCommand extends KeyAdminCommand {
  protected async connectInvites(flags: ConnectionFlags): Promise<InviteServiceClient> {
    this.serverUrl = flags.url;
    const token = await resolveAdminToken(flags['admin-token'], flags['data-dir']);
    return createInviteServiceClient(flags.url, token);
  }
}
