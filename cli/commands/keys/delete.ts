import { Args } from '@oclif/core';
import { AdminCommand } from '../../admin-command.js';

export interface DeletedKeyJson {
  host: string;
  id: string;
  deleted: true;
}

export default class KeysDelete extends AdminCommand {
  static override summary = 'Delete (revoke) an API key.';
  static override description =
    'The key stops creating invites at once. Invites it already created stay valid. ' +
    'An unknown ID is an error ("key not found", exit code 1).';
  static override examples = [
    {
      description: 'Delete the key whose ID keys:list shows as Ab3dEf6hIj9k:',
      command: '<%= config.bin %> <%= command.id %> example.com Ab3dEf6hIj9k',
    },
    {
      description: 'Delete every key of a host:',
      command:
        "<%= config.bin %> keys:list example.com --json | jq -r '.keys[].id' | xargs -n1 <%= config.bin %> <%= command.id %> example.com",
    },
  ];
  static override args = {
    host: Args.string({ description: 'the host the key belongs to, e.g. example.com', required: true }),
    id: Args.string({ description: 'the key ID: the part of ID/SECRET before the slash, as keys:list shows it', required: true }),
  };

  async run(): Promise<DeletedKeyJson> {
    const { args, flags } = await this.parse(KeysDelete);
    const client = await this.connectKeyAdmin(flags);
    await client.deleteKey({ host: args.host, id: args.id });
    this.log(`Deleted key ${args.id} of ${args.host}: it no longer creates invites.`);
    return { host: args.host.toLowerCase(), id: args.id, deleted: true };
  }
}
