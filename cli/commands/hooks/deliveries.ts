import { Args, Flags } from '@oclif/core';
import { WebhookDeliveryState } from '../../../client/index.js';
import { AdminCommand } from '../../admin-command.js';
import { deliveriesTable, deliveryJson, type DeliveryJson } from '../../webhook-output.js';

export interface DeliveryListJson {
  host: string;
  /** Newest event first. */
  deliveries: DeliveryJson[];
  /** More matched than --limit. */
  truncated: boolean;
}

const STATES = { pending: WebhookDeliveryState.PENDING, delivered: WebhookDeliveryState.DELIVERED, failed: WebhookDeliveryState.FAILED };

export default class HooksDeliveries extends AdminCommand {
  static override summary = "Show a host's webhook deliveries: pending, delivered and failed, newest event first.";
  static override description =
    'Each delivery is one event for one endpoint: its webhook-id (the same on every attempt), attempts, the next attempt ' +
    'or when it finished, and the last error. Finished deliveries are kept 7 days.';
  static override examples = [
    { description: 'What is still pending for example.com:', command: '<%= config.bin %> <%= command.id %> example.com --state pending' },
    {
      description: 'Failed deliveries as JSON:',
      command: "<%= config.bin %> <%= command.id %> example.com --state failed --json | jq '.deliveries[] | {type, subject, lastError}'",
    },
  ];
  static override args = {
    host: Args.string({ description: 'a host the server is configured for, e.g. example.com', required: true }),
  };
  static override flags = {
    webhook: Flags.string({ description: 'only deliveries to this endpoint ID', helpValue: 'ID' }),
    state: Flags.option({ options: ['pending', 'delivered', 'failed'] as const, description: 'only deliveries in this state' })(),
    limit: Flags.integer({ description: 'at most this many (1 to 1000)', min: 1, max: 1000, default: 100, helpValue: 'N' }),
  };

  async run(): Promise<DeliveryListJson> {
    const { args, flags } = await this.parse(HooksDeliveries);
    const client = await this.connectKeyAdmin(flags);
    const response = await client.listWebhookDeliveries({
      host: args.host,
      webhookId: flags.webhook ?? '',
      state: flags.state ? STATES[flags.state] : WebhookDeliveryState.UNSPECIFIED,
      pageSize: flags.limit,
    });
    const deliveries = response.deliveries.map(deliveryJson);
    this.log(deliveries.length ? deliveriesTable(deliveries) : `No webhook deliveries of ${args.host} match.`);
    if (response.truncated) this.log(`(more than ${flags.limit}: use --limit or --state to see others)`);
    return { host: args.host.toLowerCase(), deliveries, truncated: response.truncated };
  }
}
