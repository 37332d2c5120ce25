import { Args, Flags } from '@oclif/core';
import { AdminCommand } from '../../admin-command.js';
import { CliFailure } from '../../cli-failure.js';
import { ExitCode } from '../../exit-codes.js';
import { webhookJson, type WebhookJson } from '../../webhook-output.js';

export interface CreatedWebhookJson extends WebhookJson {
  /** The signing secret `whsec_...`: shown only this once. */
  secret: string;
}

export default class HooksCreate extends AdminCommand {
  static override summary = "Register a webhook endpoint for a host's events and print its signing secret.";
  static override description = [
    'Prints the signing secret (whsec_...) alone on stdout: it is shown only this once. Receivers verify each delivery ' +
      'with it, with any Standard Webhooks library (webhook-id, webhook-timestamp, webhook-signature headers).',
    'Events: invite.created, invite.redeemed, invite.used_up, invite.revoked, invite.expired, key.created, ' +
      'key.disabled, key.enabled, key.rotated, key.deleted (default: all). A URL on a loopback or private address ' +
      'is refused unless the server sets INVITES_WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true.',
  ].join('\n\n');
  static override examples = [
    {
      description: 'Send every event of example.com to a receiver, keeping the secret in a variable:',
      command: 'SECRET=$(<%= config.bin %> <%= command.id %> example.com https://hooks.example.com/invites)',
    },
    {
      description: 'Only redemptions and revocations:',
      command:
        '<%= config.bin %> <%= command.id %> example.com https://hooks.example.com/invites --event invite.redeemed --event invite.revoked',
    },
  ];
  static override args = {
    host: Args.string({ description: 'a host the server is configured for, e.g. example.com', required: true }),
    url: Args.string({ description: 'the http:// or https:// URL events are POSTed to', required: true }),
  };
  static override flags = {
    event: Flags.string({ description: 'an event type to send (repeatable); default: every type', multiple: true, helpValue: 'TYPE' }),
    description: Flags.string({ description: 'what the endpoint is for', helpValue: 'TEXT', default: '' }),
  };

  async run(): Promise<CreatedWebhookJson> {
    const { args, flags } = await this.parse(HooksCreate);
    const client = await this.connectKeyAdmin(flags);
    const response = await client.createWebhook({
      host: args.host,
      url: args.url,
      events: flags.event ?? [],
      description: flags.description,
    });
    if (!response.webhook || !response.secret) {
      throw new CliFailure(ExitCode.serverError, 'server_error', `the invites server at ${flags.url} answered without the new webhook`);
    }
    this.log(response.secret);
    return { ...webhookJson(response.webhook), secret: response.secret };
  }
}
