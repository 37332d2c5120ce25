import { Flags } from '@oclif/core';
import { timestampFromDate } from '../../../client/index.js';
import { parseDurationSeconds } from '../../../server/domain/duration.js';
import { auditEventJson, auditTable, type AuditEventJson } from '../../audit-output.js';
import { AdminCommand } from '../../admin-command.js';

export interface AuditListJson {
  /** Newest first. */
  events: AuditEventJson[];
  /** More events matched than --limit. */
  truncated: boolean;
}

/** --since: a time (ISO 8601) or how long ago (`24h`, `7d`). */
const sinceFlag = Flags.custom<Date>({
  async parse(input) {
    const ago = parseDurationSeconds(input);
    if (ago !== undefined) return new Date(Date.now() - ago * 1000);
    if (/^\d{4}-\d{2}-\d{2}/.test(input) && !Number.isNaN(Date.parse(input))) return new Date(input);
    throw new Error(`must be a time such as 2026-05-01 or 2026-05-01T12:00:00Z, or how long ago such as 24h or 7d, not "${input}"`);
  },
});

export default class AuditList extends AdminCommand {
  static override summary = 'List what was done to keys and invites, and by whom, newest first.';
  static override description =
    'Key created, deleted, disabled, enabled, rotated; invite created, revoked, redeemed; ' +
    'each with its time (UTC), its actor (admin, or key:ID for an API key) and host.';
  static override examples = [
    { description: 'The last day on every host:', command: '<%= config.bin %> <%= command.id %> --since 24h' },
    {
      description: 'Everything on example.com since May, as JSON:',
      command: '<%= config.bin %> <%= command.id %> --host example.com --since 2026-05-01 --limit 1000 --json',
    },
  ];
  static override flags = {
    host: Flags.string({ description: 'only this host; default: every host the server is configured for', helpValue: 'HOST' }),
    since: sinceFlag({
      description: 'only events at or after this time (2026-05-01, 2026-05-01T12:00:00Z) or this long ago (24h, 7d)',
      helpValue: 'TIME',
    }),
    limit: Flags.integer({ description: 'at most this many events (1 to 1000)', default: 100, min: 1, max: 1000, helpValue: 'N' }),
  };

  async run(): Promise<AuditListJson> {
    const { flags } = await this.parse(AuditList);
    const client = await this.connectKeyAdmin(flags);
    const response = await client.listAudit({
      host: flags.host ?? '',
      since: flags.since ? timestampFromDate(flags.since) : undefined,
      pageSize: flags.limit,
    });
    const events = response.events.map(auditEventJson);
    if (events.length === 0) this.log('No events.');
    else this.log(auditTable(events));
    if (response.truncated) this.logToStderr(`(more events matched: raise --limit, or narrow --since)`);
    return { events, truncated: response.truncated };
  }
}
