import { Args, Flags } from '@oclif/core';
import { CliFailure } from '../../cli-failure.js';
import { ExitCode } from '../../exit-codes.js';
import { AdminCommand } from '../../admin-command.js';
import { keyCeilingFlags } from '../../key-limit-flags.js';
import { keyJson, type KeyJson } from '../../key-output.js';

export default class KeysUpdate extends AdminCommand {
  static override summary = "Change an API key's limits: its rate limit and its ceilings on invites.";
  static override description =
    'Only what a flag names changes; 0 removes a ceiling (or, for --rate-limit, goes back to the server default). ' +
    'Takes effect on the next request on the server that handles the command, within a second on every other. ' +
    'Invites already created are not touched.';
  static override examples = [
    {
      description: 'Let a key hold at most 100 valid invites of at most 5 uses each:',
      command: '<%= config.bin %> <%= command.id %> example.com Ab3dEf6hIj9k --max-valid-invites 100 --max-uses-ceiling 5',
    },
    {
      description: 'Remove its lifetime ceiling, and show the key as JSON:',
      command: '<%= config.bin %> <%= command.id %> example.com Ab3dEf6hIj9k --max-ttl 0 --json',
    },
  ];
  static override args = {
    host: Args.string({ description: 'the host the key belongs to, e.g. example.com', required: true }),
    id: Args.string({ description: 'the key ID: the part of ID/SECRET before the slash, as keys:list shows it', required: true }),
  };
  static override flags = {
    'rate-limit': Flags.integer({
      description: "invites per minute the key may create (1 to 100000; 0: the server's default)",
      min: 0,
      max: 100_000,
      helpValue: 'N',
    }),
    ...keyCeilingFlags,
  };

  async run(): Promise<KeyJson> {
    const { args, flags } = await this.parse(KeysUpdate);
    const client = await this.connectKeyAdmin(flags);
    const { key } = await client.updateKey({
      host: args.host,
      id: args.id,
      rateLimitPerMinute: flags['rate-limit'],
      maxValidInvites: flags['max-valid-invites'],
      maxUsesCeiling: flags['max-uses-ceiling'],
      maxTtlSeconds: flags['max-ttl'],
    });
    if (!key) throw new CliFailure(ExitCode.serverError, 'server_error', `the invites server at ${flags.url} answered without the key`);
    const json = keyJson(key);
    const none = (n: number, unit = '') => (n ? `${n}${unit}` : 'none');
    this.log(
      `Updated key ${json.id} of ${json.host}: ${json.rateLimitPerMinute} invites/min, ` +
        `valid invites at once ${none(json.maxValidInvites)}, max uses ${none(json.maxUsesCeiling)}, ` +
        `max ttl ${none(json.maxTtlSeconds, 's')}.`,
    );
    return json;
  }
}
