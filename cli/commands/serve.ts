import { Flags } from '@oclif/core';
import { InvitesCommand } from '../base-command.js';

export default class Serve extends InvitesCommand {
  static override summary = 'Run the invites server.';
  static override description = [
    'The same server as "npm start": gRPC, gRPC-Web, Connect and GET /invites_api on one port. ' +
      'Without MONGODB_URI it runs its embedded database in the data directory.',
    'Settings come from environment variables (PORT, INVITES_BIND, INVITES_HOSTS, MONGODB_URI, INVITES_DATA_DIR, ' +
      'INVITES_ADMIN_TOKEN, LOG_LEVEL and more: see docs/configuration.md) and from an optional YAML or JSON config file; ' +
      'the environment wins. When no admin token is configured, the server writes one to <data dir>/admin-token, ' +
      'where the keys commands find it.',
    'Stops gracefully on SIGTERM or SIGINT. Exit codes: 0 after a clean shutdown, 78 for a bad configuration, ' +
      '1 when it could not start.',
  ].join('\n\n');
  static override examples = [
    {
      description: 'Serve example.com on port 8080, with the embedded database in ./data:',
      command: 'INVITES_HOSTS=example.com=https://example.com <%= config.bin %> <%= command.id %>',
    },
    { description: 'Use a config file:', command: '<%= config.bin %> <%= command.id %> --config /etc/invites/config.yaml' },
    {
      description: 'Check what a config file and the environment add up to (the admin token and database password masked):',
      command: '<%= config.bin %> <%= command.id %> --config /etc/invites/config.yaml --print-config',
    },
    {
      description: 'Use an external MongoDB:',
      command: 'MONGODB_URI=mongodb://db.internal:27017 INVITES_HOSTS=example.com=https://example.com <%= config.bin %> <%= command.id %>',
    },
  ];
  static override flags = {
    config: Flags.string({ char: 'c', description: 'a YAML or JSON config file', env: 'INVITES_CONFIG', helpValue: 'FILE' }),
    'print-config': Flags.boolean({
      description: 'print the effective configuration (file + environment, secrets masked) as a config file, and exit',
    }),
    json: Flags.boolean({ description: 'with --print-config: print it as JSON', dependsOn: ['print-config'] }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Serve);
    // Loaded here, not at the top: oclif loads every command file to list them, and the server's
    // dependencies (MongoDB driver, pino, ...) would slow down every keys command by a second.
    const { runServer } = await import('../../server/app/run-server.js');
    const printConfig = flags['print-config'] ? (flags.json ? 'json' : 'yaml') : undefined;
    const code = await runServer({ env: process.env, configPath: flags.config, pretty: Boolean(process.stdout.isTTY), printConfig });
    // Like server/main.ts: exit with the server's own code once it has shut down.
    this.exit(code);
  }
}
