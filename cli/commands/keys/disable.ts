import { Args } from '@oclif/core';
import { CliFailure } from '../../cli-failure.js';
import { ExitCode } from '../../exit-codes.js';
import { AdminCommand } from '../../admin-command.js';
import { keyJson, type KeyJson } from '../../key-output.js';

export default class KeysDisable extends AdminCommand {
  static override summary = 'Disable an API key without deleting it.';
  static override description =
    'The key is refused like an unknown one (401) until keys:enable: ' +
    'at once on the server that handles the command, within a second on every other. ' +
    'Its invites stay valid; its id, name, limits and history are kept.';
  static override examples = [
    { description: 'Stop the key Ab3dEf6hIj9k for now:', command: '<%= config.bin %> <%= command.id %> example.com Ab3dEf6hIj9k' },
  ];
  static override args = {
    host: Args.string({ description: 'the host the key belongs to, e.g. example.com', required: true }),
    id: Args.string({ description: 'the key ID: the part of ID/SECRET before the slash, as keys:list shows it', required: true }),
  };

  async run(): Promise<KeyJson> {
    const { args, flags } = await this.parse(KeysDisable);
    const client = await this.connectKeyAdmin(flags);
    const { key } = await client.disableKey({ host: args.host, id: args.id });
    if (!key) throw new CliFailure(ExitCode.serverError, 'server_error', `the invites server at ${flags.url} answered without the key`);
    this.log(`Disabled key ${key.id} of ${key.host}: it is refused until "${this.config.bin} keys:enable ${key.host} ${key.id}".`);
    return keyJson(key);
  }
}
