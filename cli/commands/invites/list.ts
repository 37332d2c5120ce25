import { Args, Flags } from '@oclif/core';
import { AdminCommand } from '../../admin-command.js';
import { inviteJson, invitesTable, STATUS_NAMES, statusOfName, type InviteJson, type StatusName } from '../../invite-output.js';

export interface InviteListJson {
  host: string;
  /** The filter given, or null for all. */
  status: StatusName | null;
  /** Newest first. */
  invites: InviteJson[];
}

/** Pages of the largest size the server allows. */
const PAGE_SIZE = 200;

export default class InvitesList extends AdminCommand {
  static override summary = "List a host's invites, newest first.";
  static override description =
    "Shows each invite's TOKEN, KIND (register, reset or roster), STATUS, USES (used/allowed), EXPIRES (UTC), " +
    'FOR (the only username it registers or resets), INVITER (the local user who made it), ACCOUNTS (registered with it), ' +
    'SOURCE (the key that made it, or admin) and NOTE. --json adds the roles, groups, links and when each account used the invite.';
  static override examples = [
    { description: 'All invites of example.com:', command: '<%= config.bin %> <%= command.id %> example.com' },
    { description: 'Only those that can still be used:', command: '<%= config.bin %> <%= command.id %> example.com --status valid' },
    {
      description: 'The invites alice made (who did she invite?):',
      command: '<%= config.bin %> <%= command.id %> example.com --inviter alice',
    },
    {
      description: 'Which accounts each invite registered, for a script:',
      command:
        '<%= config.bin %> <%= command.id %> example.com --json | ' +
        'jq -r \'.invites[] | .token + " " + (.redemptions | map(.account) | join(","))\'',
    },
  ];
  static override args = {
    host: Args.string({ description: 'a host the server is configured for, e.g. example.com', required: true }),
  };
  static override flags = {
    status: Flags.string({ description: 'only invites with this status', options: [...STATUS_NAMES], helpValue: 'STATUS' }),
    inviter: Flags.string({ description: 'only invites this local user made, e.g. alice', helpValue: 'USER' }),
  };

  async run(): Promise<InviteListJson> {
    const { args, flags } = await this.parse(InvitesList);
    const client = await this.connectInvites(flags);
    const status = (flags.status as StatusName | undefined) ?? null;
    const invites: InviteJson[] = [];
    let pageToken = '';
    do {
      const page = await client.listInvites({
        host: args.host,
        status: status ? statusOfName(status) : undefined,
        pageSize: PAGE_SIZE,
        pageToken,
        inviter: flags.inviter ?? '',
      });
      invites.push(...page.invites.map(inviteJson));
      pageToken = page.nextPageToken;
    } while (pageToken);
    if (invites.length === 0) {
      const which = `${status ? ` with status ${status}` : ''}${flags.inviter ? ` made by ${flags.inviter}` : ''}`;
      this.log(`${args.host} has no invites${which}. Create one with: ${this.config.bin} invites:create ${args.host}`);
    } else {
      this.log(invitesTable(invites));
    }
    return { host: args.host.toLowerCase(), status, invites };
  }
}
