import { Args } from '@oclif/core';
import { CliFailure } from '../../cli-failure.js';
import { ExitCode } from '../../exit-codes.js';
import { KeyAdminCommand } from '../../key-admin-command.js';
import { keyJson, type KeyJson } from '../../key-output.js';

export interface CreatedKeyJson extends KeyJson {
  /** The full key `ID/SECRET`: shown only this once. */
  key: string;
}

export default class KeysCreate extends KeyAdminCommand {
  static override summary = 'Create an API key for a host and print it (ID/SECRET).';
  static override description = `Prints the new key, ID/SECRET, alone on stdout, so a script can capture it. The secret is shown only this once: the server stores only its hash.

Give the key to whatever creates invites, e.g. GET /invites_api?key=ID/SECRET. Put quotes around a NAME with spaces: extra words are an error.`;
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
      description: 'The new key as JSON (id, host, name, createdAt, key):',
      command: '<%= config.bin %> <%= command.id %> example.com "My test key" --json',
    },
  ];
  static override args = {
    host: Args.string({ description: 'a host the server is configured for, e.g. example.com', required: true }),
    name: Args.string({ description: 'what the key is for (optional); quote it when it has spaces' }),
  };

  protected override usageHint(failure: CliFailure): string {
    if (/^unexpected argument/.test(failure.message)) {
      return `Put quotes around a name with spaces: ${this.config.bin} ${this.id} example.com "My test key"`;
    }
    return super.usageHint(failure);
  }

  async run(): Promise<CreatedKeyJson> {
    const { args, flags } = await this.parse(KeysCreate);
    const client = await this.connect(flags);
    const response = await client.createKey({ host: args.host, name: args.name ?? '' });
    if (!response.key || !response.fullKey) {
      throw new CliFailure(ExitCode.serverError, 'server_error', `the invites server at ${flags.url} answered without the new key`);
    }
    this.log(response.fullKey);
    return { ...keyJson(response.key), key: response.fullKey };
  }
}
