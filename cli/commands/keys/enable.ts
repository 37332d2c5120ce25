import { Args } from '@oclif/core';
import { CliFailure } from '../../cli-failure.js';
import { ExitCode } from '../../exit-codes.js';
import { AdminCommand } from '../../admin-command.js';
import { keyJson, keyState, type KeyJson } from '../../key-output.js';

export default class KeysEnable extends AdminCommand {
  static override summary = 'Enable a disabled API key again.';
  static override description = 'The key works again with its old secret. An expired key stays expired.';
  static override examples = [
    { description: 'Let the key Ab3dEf6hIj9k work again:', command: '<%= config.bin %> <%= command.id %> example.com Ab3dEf6hIj9k' },
  ];
  static override args = {
    host: Args.string({ description: 'the host the key belongs to, e.g. example.com', required: true }),
    id: Args.string({ description: 'the key ID: the part of ID/SECRET before the slash, as keys:list shows it', required: true }),
  };

  async run(): Promise<KeyJson> {
    const { args, flags } = await this.parse(KeysEnable);
    const client = await this.connectKeyAdmin(flags);
    const { key } = await client.enableKey({ host: args.host, id: args.id });
    if (!key) throw new CliFailure(ExitCode.serverError, 'server_error', `the invites server at ${flags.url} answered without the key`);
    const json = keyJson(key);
    this.log(
      keyState(json, new Date()) === 'expired'
        ? `Enabled key ${key.id} of ${key.host}, but it has expired: it is still refused.`
        : `Enabled key ${key.id} of ${key.host}: it works again.`,
    );
    return json;
  }
}
