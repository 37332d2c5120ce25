import { Args } from '@oclif/core';
import { AdminCommand } from '../../admin-command.js';
import { webhookJson, webhooksTable, type WebhookJson } from '../../webhook-output.js';

export interface WebhookListJson {
  host: string;
  /** Newest first. */
  webhooks: WebhookJson[];
}

export default class HooksList extends AdminCommand {
  static override summary = "List a host's webhook endpoints, newest first.";
  static override description = 'Shows each endpoint’s ID, URL and event types. Signing secrets are never shown again.';
  static override examples = [{ description: 'The endpoints of example.com:', command: '<%= config.bin %> <%= command.id %> example.com' }];
  static override args = {
    host: Args.string({ description: 'a host the server is configured for, e.g. example.com', required: true }),
  };

  async run(): Promise<WebhookListJson> {
    const { args, flags } = await this.parse(HooksList);
    const client = await this.connectKeyAdmin(flags);
    const webhooks = (await client.listWebhooks({ host: args.host })).webhooks.map(webhookJson);
    if (webhooks.length === 0) {
      this.log(`${args.host} has no webhooks. Register one with: ${this.config.bin} hooks:create ${args.host} https://...`);
    } else {
      this.log(webhooksTable(webhooks));
    }
    return { host: args.host.toLowerCase(), webhooks };
  }
}
