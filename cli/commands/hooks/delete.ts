import { Args } from '@oclif/core';
import { AdminCommand } from '../../admin-command.js';

export interface DeletedWebhookJson {
  host: string;
  id: string;
  deleted: true;
}

export default class HooksDelete extends AdminCommand {
  static override summary = 'Delete a webhook endpoint.';
  static override description =
    'Nothing more is sent to it; its pending deliveries are marked failed. An unknown ID is an error ("webhook not found", exit code 1).';
  static override examples = [
    {
      description: 'Delete the endpoint hooks:list shows as Ab3dEf6hIj9k:',
      command: '<%= config.bin %> <%= command.id %> example.com Ab3dEf6hIj9k',
    },
  ];
  static override args = {
    host: Args.string({ description: 'the host the endpoint belongs to, e.g. example.com', required: true }),
    id: Args.string({ description: 'the endpoint ID, as hooks:list shows it', required: true }),
  };

  async run(): Promise<DeletedWebhookJson> {
    const { args, flags } = await this.parse(HooksDelete);
    const client = await this.connectKeyAdmin(flags);
    await client.deleteWebhook({ host: args.host, id: args.id });
    this.log(`Deleted webhook ${args.id} of ${args.host}: nothing more is sent to it.`);
    return { host: args.host.toLowerCase(), id: args.id, deleted: true };
  }
}
