import { Args } from '@oclif/core';
import { CliFailure } from '../../cli-failure.js';
import { ExitCode } from '../../exit-codes.js';
import { AdminCommand } from '../../admin-command.js';
import { inviteJson, tokenFromArgument, type InviteJson } from '../../invite-output.js';

export default class InvitesRevoke extends AdminCommand {
  static override summary = 'Revoke an invite: it can never be used again.';
  static override description =
    'Accounts it already registered stay. Revoking an invite twice is fine; ' +
    'an unknown token (or one of another host) is an error ("invite not found", exit code 1). ' +
    'TOKEN may also be the landing page URL or the xmpp: link.';
  static override examples = [
    {
      description: 'Revoke the invite whose token invites:list shows:',
      command: '<%= config.bin %> <%= command.id %> example.com lGmyJgq3YNw1XuKEm2a7sNjd',
    },
    {
      description: 'Revoke by its link, as it was sent:',
      command: "<%= config.bin %> <%= command.id %> example.com 'https://example.com/invite?lGmyJgq3YNw1XuKEm2a7sNjd'",
    },
  ];
  static override args = {
    host: Args.string({ description: 'the host of the invite, e.g. example.com', required: true }),
    token: Args.string({ description: 'the invite token, or its landing page URL or xmpp: link', required: true }),
  };

  async run(): Promise<InviteJson> {
    const { args, flags } = await this.parse(InvitesRevoke);
    const client = await this.connectInvites(flags);
    const token = tokenFromArgument(args.token);
    const { invite } = await client.revokeInvite({ token, host: args.host });
    if (!invite)
      throw new CliFailure(ExitCode.serverError, 'server_error', `the invites server at ${flags.url} answered without the invite`);
    this.log(`Revoked invite ${invite.token} of ${invite.host}: it can no longer be used.`);
    return inviteJson(invite);
  }
}
