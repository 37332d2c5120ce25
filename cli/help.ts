import { Help, type Command } from '@oclif/core';
import { EXIT_CODE_ROWS } from './exit-codes.js';

/** The whole workflow at a glance, for `invitesctl --help`. */
const ROOT_EXAMPLES = [
  ['Run the server (writes its admin token to ./data/admin-token):', 'INVITES_HOSTS=example.com=https://example.com invitesctl serve'],
  ['Create a key on the same machine (reads ./data/admin-token):', 'KEY=$(invitesctl keys:create example.com "My test key")'],
  ['Create an invite with it:', 'curl -i "http://127.0.0.1:8080/invites_api?key=$KEY"'],
  ['List and delete keys:', 'invitesctl keys:list example.com\n$ invitesctl keys:delete example.com ID'],
  [
    'Disable, enable or rotate a key; a key that expires and is limited:',
    'invitesctl keys:disable example.com ID\n' +
      '$ invitesctl keys:rotate example.com ID\n' +
      '$ invitesctl keys:create example.com "bot" --expires-in 30d --rate-limit 10',
  ],
  ['Who did what, the last day:', 'invitesctl audit:list --since 24h'],
  [
    'Create, list and revoke invites with the admin token:',
    'invitesctl invites:create example.com --uses 5 --ttl 3d\n' +
      '$ invitesctl invites:list example.com --status valid\n' +
      '$ invitesctl invites:revoke example.com TOKEN',
  ],
  ['Talk to a remote server:', 'invitesctl keys:list example.com --url https://invites.example.com --admin-token TOKEN'],
];

/** oclif's help, plus examples on the root page and the exit codes on the key commands' pages. */
export default class InvitesHelp extends Help {
  protected override async showRootHelp(): Promise<void> {
    await super.showRootHelp();
    const examples = ROOT_EXAMPLES.map(([what, command]) => `${what}\n\n${this.indent(`$ ${command}`)}`).join('\n\n');
    this.log(this.section('EXAMPLES', examples));
    this.log('');
    this.log(this.section('EXIT CODES (keys, invites and audit commands)', [...EXIT_CODE_ROWS]));
    this.log('');
  }

  protected override formatCommand(command: Command.Loadable): string {
    const text = super.formatCommand(command);
    if (!/^(keys|invites|audit):/.test(command.id)) return text;
    return `${text.trimEnd()}\n\n${this.section('EXIT CODES', [...EXIT_CODE_ROWS])}`;
  }
}
