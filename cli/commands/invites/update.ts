import { Args, Flags } from '@oclif/core';
import { parseDurationSeconds } from '../../../server/domain/duration.js';
import { CliFailure } from '../../cli-failure.js';
import { ExitCode } from '../../exit-codes.js';
import { AdminCommand } from '../../admin-command.js';
import { inviteJson, tokenFromArgument, type InviteJson } from '../../invite-output.js';

const expiresInFlag = Flags.custom<number>({
  async parse(input) {
    const seconds = parseDurationSeconds(input);
    if (seconds === undefined || seconds < 1) throw new Error(`must be a duration such as 3600, 90s, 15m, 12h or 7d, not "${input}"`);
    return seconds;
  },
});

export default class InvitesUpdate extends AdminCommand {
  static override summary = 'Change an invite: its expiry, max uses, note, roles or groups.';
  static override description = [
    "Only what a flag names changes. --expires-in counts from now, within the host's maximum lifetime. " +
      'The server refuses (exit code 6) a --max-uses below the uses already taken, and any change to a revoked or expired invite.',
    'TOKEN may also be the landing page URL or the xmpp: link.',
  ].join('\n\n');
  static override examples = [
    {
      description: 'Give an invite 20 uses and two more weeks:',
      command: '<%= config.bin %> <%= command.id %> lGmyJgq3YNw1XuKEm2a7sNjd --max-uses 20 --expires-in 2w',
    },
    {
      description: 'Replace its groups and clear its roles, and show the result as JSON:',
      command: '<%= config.bin %> <%= command.id %> lGmyJgq3YNw1XuKEm2a7sNjd --group team --group q3 --clear-roles --json',
    },
  ];
  static override args = {
    token: Args.string({ description: 'the invite token, or its landing page URL or xmpp: link', required: true }),
  };
  static override flags = {
    host: Flags.string({ description: 'the host of the invite (checked when given)', helpValue: 'HOST' }),
    'expires-in': expiresInFlag({ description: 'a new lifetime from now (3600, 90s, 15m, 12h, 7d, 2w)', helpValue: 'DURATION' }),
    'max-uses': Flags.integer({
      description: 'how many accounts it can register in all (1 to 1000; not below the uses taken)',
      min: 0,
      max: 0xffff_ffff,
      helpValue: 'N',
    }),
    note: Flags.string({ description: 'a new note ("" clears it)', helpValue: 'TEXT' }),
    role: Flags.string({
      description: 'replace the roles; repeat for several',
      multiple: true,
      multipleNonGreedy: true,
      helpValue: 'ROLE',
    }),
    group: Flags.string({
      description: 'replace the groups; repeat for several',
      multiple: true,
      multipleNonGreedy: true,
      helpValue: 'GROUP',
    }),
    'clear-roles': Flags.boolean({ description: 'remove every role', exclusive: ['role'] }),
    'clear-groups': Flags.boolean({ description: 'remove every group', exclusive: ['group'] }),
  };

  async run(): Promise<InviteJson> {
    const { args, flags } = await this.parse(InvitesUpdate);
    const changes = ['expires-in', 'max-uses', 'note', 'role', 'group', 'clear-roles', 'clear-groups'] as const;
    if (!changes.some((name) => flags[name] !== undefined && flags[name] !== false)) {
      throw new CliFailure(ExitCode.usage, 'usage', `nothing to change: give at least one of ${changes.map((c) => `--${c}`).join(', ')}`);
    }
    const client = await this.connectInvites(flags);
    const list = (given: string[] | undefined, clear: boolean) => (clear ? { values: [] } : given ? { values: given } : undefined);
    const { invite } = await client.updateInvite({
      token: tokenFromArgument(args.token),
      host: flags.host ?? '',
      ttlSeconds: flags['expires-in'],
      maxUses: flags['max-uses'],
      note: flags.note,
      roles: list(flags.role, flags['clear-roles']),
      groups: list(flags.group, flags['clear-groups']),
    });
    if (!invite)
      throw new CliFailure(ExitCode.serverError, 'server_error', `the invites server at ${flags.url} answered without the invite`);
    const json = inviteJson(invite);
    this.log(`Updated invite ${json.token} of ${json.host}: ${json.uses}/${json.maxUses} uses, expires ${json.expiresAt}.`);
    return json;
  }
}
