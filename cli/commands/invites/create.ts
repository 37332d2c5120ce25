import { Args, Flags } from '@oclif/core';
import { parseDurationSeconds } from '../../../server/domain/duration.js';
import { CliFailure } from '../../cli-failure.js';
import { ExitCode } from '../../exit-codes.js';
import { AdminCommand } from '../../admin-command.js';
import { csv } from '../../csv.js';
import { table } from '../../key-output.js';
import { inviteJson, KIND_NAMES, typeOfKindName, type InviteJson, type KindName } from '../../invite-output.js';

const ttlFlag = Flags.custom<number>({
  async parse(input) {
    const seconds = parseDurationSeconds(input);
    if (seconds === undefined || seconds < 1) throw new Error(`must be a duration such as 3600, 90s, 15m, 12h or 7d, not "${input}"`);
    return seconds;
  },
});

export default class InvitesCreate extends AdminCommand {
  static override summary = 'Create an invite on a host and print its landing page URL.';
  static override description = [
    "Prints the URL of the invite's landing page alone on stdout, so a script can capture it; " +
      'the page shows the invite as a link and a QR code. With --json, prints the whole invite.',
    "Without flags the invite is single-use and lasts the host's invite lifetime. " +
      "The server refuses (exit code 6) a --ttl over the host's maximum rather than shortening it.",
    'With --count N (up to 1000) it creates N invites with the same options in one request, all or none, ' +
      'and prints them as --output table (the default), csv (token, uri, landing page url, expire time) or json.',
  ].join('\n\n');
  static override examples = [
    { description: 'A single-use invite:', command: '<%= config.bin %> <%= command.id %> example.com' },
    {
      description: 'A group invite for 10 people, valid for 3 days, adding them to a group:',
      command: '<%= config.bin %> <%= command.id %> example.com --uses 10 --ttl 3d --group team --note "Q3 hires"',
    },
    {
      description: 'Roles for the registration side, and the invite as JSON:',
      command: '<%= config.bin %> <%= command.id %> example.com --role prosody:member --json',
    },
    {
      description: 'An invite only the username bob can register with, made on behalf of alice:',
      command: '<%= config.bin %> <%= command.id %> example.com --username bob --inviter alice',
    },
    {
      description: 'A password reset for the existing account carol:',
      command: '<%= config.bin %> <%= command.id %> example.com --type reset --username carol --ttl 1d',
    },
    {
      description: "A contact invite to alice's roster that also lets a new account register:",
      command: '<%= config.bin %> <%= command.id %> example.com --type roster --inviter alice --allow-registration',
    },
    {
      description: '200 single-use invites for a class, as a CSV file:',
      command: '<%= config.bin %> <%= command.id %> example.com --count 200 --ttl 2w --group class-2026 --output csv > invites.csv',
    },
  ];
  static override args = {
    host: Args.string({ description: 'a host the server is configured for, e.g. example.com', required: true }),
  };
  static override flags = {
    ttl: ttlFlag({
      description: "how long the invite stays valid (3600, 90s, 15m, 12h, 7d, 2w); default: the host's invite lifetime",
      helpValue: 'DURATION',
    }),
    uses: Flags.integer({
      description: 'how many accounts the invite can register (1 to 1000)',
      default: 1,
      // The server says why 0 or 5000 is refused; what does not fit the wire's uint32 cannot be sent at all.
      min: 0,
      max: 0xffff_ffff,
      helpValue: 'N',
    }),
    role: Flags.string({
      description: 'a role for the new accounts; repeat for several',
      multiple: true,
      multipleNonGreedy: true,
      helpValue: 'ROLE',
    }),
    group: Flags.string({
      description: 'a group to add the new accounts to; repeat for several',
      multiple: true,
      multipleNonGreedy: true,
      helpValue: 'GROUP',
    }),
    note: Flags.string({
      description: 'who or what the invite is for (at most 500 characters, counted as code points; never shown on the landing page)',
      helpValue: 'TEXT',
    }),
    type: Flags.string({
      description: 'register (a new account), reset (the password of --username) or roster (a contact of --inviter)',
      options: [...KIND_NAMES],
      default: 'register',
      helpValue: 'KIND',
    }),
    username: Flags.string({
      description: 'register: the only username the invite can register; reset: the existing account (required)',
      helpValue: 'USER',
    }),
    inviter: Flags.string({
      description: 'the local user who makes the invite, e.g. alice (required for --type roster)',
      helpValue: 'USER',
    }),
    'allow-registration': Flags.boolean({ description: 'roster invites: also let the person register a new account', default: false }),
    count: Flags.integer({
      description: 'create this many invites with the same options, all or none (1 to 1000)',
      min: 0,
      max: 0xffff_ffff,
      helpValue: 'N',
    }),
    output: Flags.string({
      description: 'with --count: how to print the invites',
      options: ['table', 'csv', 'json'],
      dependsOn: ['count'],
      helpValue: 'FORMAT',
    }),
  };

  async run(): Promise<InviteJson | InviteJson[]> {
    const { args, flags } = await this.parse(InvitesCreate);
    const client = await this.connectInvites(flags);
    const options = {
      host: args.host,
      ttlSeconds: flags.ttl,
      maxUses: flags.uses,
      roles: flags.role ?? [],
      groups: flags.group ?? [],
      note: flags.note ?? '',
      type: typeOfKindName(flags.type as KindName),
      username: flags.username ?? '',
      inviter: flags.inviter ?? '',
      allowRegistration: flags['allow-registration'],
    };
    if (flags.count !== undefined) {
      const { invites } = await client.createInvites({ count: flags.count, options });
      const created = invites.map(inviteJson);
      const format = flags.output ?? 'table';
      // CSV keeps its CRLF line ends (RFC 4180); log() would end the last line with LF.
      if (format === 'csv' && !this.jsonEnabled()) process.stdout.write(bulkOutput(created, format));
      else this.log(bulkOutput(created, format));
      return created;
    }
    const { invite } = await client.createInvite(options);
    if (!invite)
      throw new CliFailure(ExitCode.serverError, 'server_error', `the invites server at ${flags.url} answered without the new invite`);
    this.log(invite.landingPageUrl);
    return inviteJson(invite);
  }
}

/** The invites of a --count run as a table, CSV (one header line) or a JSON array. */
function bulkOutput(invites: readonly InviteJson[], format: string): string {
  if (format === 'json') return JSON.stringify(invites, null, 2);
  const rows = invites.map((i) => [i.token, i.uri, i.landingPageUrl, i.expiresAt ?? '']);
  if (format === 'csv') return csv([['token', 'uri', 'landing_page_url', 'expire_time'], ...rows]);
  return table([['TOKEN', 'URI', 'LANDING PAGE', 'EXPIRES'], ...rows]);
}
