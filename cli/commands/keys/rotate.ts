import { Args } from '@oclif/core';
import { CliFailure } from '../../cli-failure.js';
import { ExitCode } from '../../exit-codes.js';
import { AdminCommand } from '../../admin-command.js';
import { keyJson } from '../../key-output.js';
import type { CreatedKeyJson } from './create.js';

export default class KeysRotate extends AdminCommand {
  static override summary = 'Give an API key a new secret and print the new key (ID/SECRET).';
  static override description =
    'Prints the new key, ID/SECRET, alone on stdout; the ID stays the same. ' +
    'The old secret stops working at once on the server that handles the command, within a second on every other. ' +
    'The new secret is shown only this once.';
  static override examples = [
    {
      description: 'Replace a leaked key and keep the new one in a shell variable:',
      command: 'KEY=$(<%= config.bin %> <%= command.id %> example.com Ab3dEf6hIj9k)',
    },
  ];
  static override args = {
    host: Args.string({ description: 'the host the key belongs to, e.g. example.com', required: true }),
    id: Args.string({ description: 'the key ID: the part of ID/SECRET before the slash, as keys:list shows it', required: true }),
  };

  async run(): Promise<CreatedKeyJson> {
    const { args, flags } = await this.parse(KeysRotate);
    const client = await this.connectKeyAdmin(flags);
    const response = await client.rotateKey({ host: args.host, id: args.id });
    if (!response.key || !response.fullKey) {
      throw new CliFailure(ExitCode.serverError, 'server_error', `the invites server at ${flags.url} answered without the new key`);
    }
    this.log(response.fullKey);
    return { ...keyJson(response.key), key: response.fullKey };
  }
}
