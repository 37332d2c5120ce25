import { Args, Flags } from '@oclif/core';
import { parseDurationSeconds } from '../../../server/domain/duration.js';
import { CliFailure } from '../../cli-failure.js';
import { ExitCode } from '../../exit-codes.js';
import { AdminCommand } from '../../admin-command.js';
import { keyJson, type KeyJson } from '../../key-output.js';
import { keyCeilingFlags } from '../../key-limit-flags.js';

export interface CreatedKeyJson extends KeyJson {
  /** The full key `ID/SECRET`: shown only this once. */
  key: string;
}

const expiresInFlag = Flags.custom<number>({
  async parse(input) {
    const seconds = parseDurationSeconds(input);
    if (seconds === undefined || seconds < 1) throw new Error(`must be a duration such as 3600, 12h, 30d or 52w, not "${input}"`);
    return seconds;
  },
});

export default class KeysCreate extends AdminCommand {
  static override summary = 'Create an API key for a host and print it (ID/SECRET).';
  static override description = [
    'Prints the new key, ID/SECRET, alone on stdout, so a script can capture it. ' +
      'The secret is shown only this once: the server stores only its hash.',
    'Give the key to whatever creates invites, e.g. GET /invites_api?key=ID/SECRET. ' +
      'Put quotes around a NAME with spaces: extra words are an error.',
  ].join('\n\n');
  static override examples = [
    {
      description: 'Create a key and keep it in a shell variable:',
      command: 'KEY=$(<%= config.bin %> <%= command.id %> example.com "My test key")',
    },
    {
      description: 'Then create an invite with it:',
      command: 'curl -i "http://127.0.0.1:8080/invites_api?key=$KEY"',
    },
    {
      description: 'Against a remote server, with its admin token in INVITES_ADMIN_TOKEN:',
      command: '<%= config.bin %> <%= command.id %> example.com "web signup" --url https://invites.example.com',
    },
    {
      description: 'A key for a signup bot that stops working after 30 days and makes at most 10 invites a minute:',
      command: '<%= config.bin %> <%= command.id %> example.com "signup bot" --expires-in 30d --rate-limit 10',
    },
    {
      description: 'A key that may hold at most 50 valid invites, each of at most 10 uses and 7 days:',
      command: '<%= config.bin %> <%= command.id %> example.com "class signups" --max-valid-invites 50 --max-uses-ceiling 10 --max-ttl 7d',
    },
    {
      description: 'The new key as JSON (id, host, name, createdAt, expiresAt, rateLimitPerMinute, ..., key):',
      command: '<%= config.bin %> <%= command.id %> example.com "My test key" --json',
    },
  ];
  static override args = {
    host: Args.string({ description: 'a host the server is configured for, e.g. example.com', required: true }),
    name: Args.string({ description: 'what the key is for (optional); quote it when it has spaces' }),
  };

  static override flags = {
    'expires-in': expiresInFlag({
      description: 'how long the key works (3600, 12h, 30d, 52w; at most 3650d); default: it does not expire',
      helpValue: 'DURATION',
    }),
    'rate-limit': Flags.integer({
      description: "invites per minute the key may create (1 to 100000); default: the server's (60 unless configured)",
      min: 1,
      max: 100_000,
      helpValue: 'N',
    }),
    ...keyCeilingFlags,
  };

  protected override usageHint(failure: CliFailure): string {
    if (/^unexpected argument/.test(failure.message)) {
      return `Put quotes around a name with spaces: ${this.config.bin} ${this.id} example.com "My test key"`;
    }
    return super.usageHint(failure);
  }

  async run(): Promise<CreatedKeyJson> {
    const { args, flags } = await this.parse(KeysCreate);
    const client = await this.connectKeyAdmin(flags);
    const response = await client.createKey({
      host: args.host,
      name: args.name ?? '',
      expiresIn: flags['expires-in'] !== undefined ? { seconds: BigInt(flags['expires-in']) } : undefined,
      rateLimitPerMinute: flags['rate-limit'] ?? 0,
      maxValidInvites: flags['max-valid-invites'] ?? 0,
      maxUsesCeiling: flags['max-uses-ceiling'] ?? 0,
      maxTtlSeconds: flags['max-ttl'] ?? 0,
    });
    if (!response.key || !response.fullKey) {
      throw new CliFailure(ExitCode.serverError, 'server_error', `the invites server at ${flags.url} answered without the new key`);
    }
    this.log(response.fullKey);
    return { ...keyJson(response.key), key: response.fullKey };
  }
}
