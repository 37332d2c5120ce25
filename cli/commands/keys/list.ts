import { Args } from '@oclif/core';
import { AdminCommand } from '../../admin-command.js';
import { keyJson, keysTable, type KeyJson } from '../../key-output.js';

export interface KeyListJson {
  host: string;
  /** Newest first. */
  keys: KeyJson[];
}

export default class KeysList extends AdminCommand {
  static override summary = "List a host's API keys, newest first.";
  static override description = "Shows each key's ID, NAME and CREATED time (UTC). Secrets are never shown: they are not stored.";
  static override examples = [
    { description: 'The keys of example.com:', command: '<%= config.bin %> <%= command.id %> example.com' },
    {
      description: 'The ids only, as JSON, for a script:',
      command: "<%= config.bin %> <%= command.id %> example.com --json | jq -r '.keys[].id'",
    },
  ];
  static override args = {
    host: Args.string({ description: 'a host the server is configured for, e.g. example.com', required: true }),
  };

  async run(): Promise<KeyListJson> {
    const { args, flags } = await this.parse(KeysList);
    const client = await this.connectKeyAdmin(flags);
    const response = await client.listKeys({ host: args.host });
    const keys = response.keys.map(keyJson);
    if (keys.length === 0) {
      this.log(`${args.host} has no API keys yet. Create one with: ${this.config.bin} keys:create ${args.host} "what it is for"`);
    } else {
      this.log(keysTable(keys));
    }
    return { host: args.host.toLowerCase(), keys };
  }
}
