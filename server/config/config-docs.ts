import { stringify as toYaml } from 'yaml';
import { loadConfig } from './config.js';
import { printableConfig } from './print-config.js';
import { HOST_FIELDS, PER_HOST_SETTINGS, SETTINGS } from './settings.js';

/** Where the docs are written, from the repository root. */
export const CONFIG_DOCS_PATH = 'docs/configuration.md';

const EXAMPLE_HOSTS = [
  'hosts:',
  '  - name: example.com',
  '    publicBaseUrl: https://example.com',
  '    inviteTtl: 3d',
  '    maxInviteTtl: 14d',
  '    landingPage: https://join.example.com/{host}/{token}',
  '  - name: chat.example.org',
  '    publicBaseUrl: https://chat.example.org',
].join('\n');

const row = (cells: string[]) => `| ${cells.join(' | ')} |`;

function settingsTable(): string[] {
  return [
    row(['variable', 'file field', 'default', 'meaning']),
    row(['---', '---', '---', '---']),
    ...Object.entries(SETTINGS).map(([field, s]) => row([`\`${s.env}\``, `\`${field}\``, s.defaultDoc, s.doc])),
  ];
}

function hostTable(): string[] {
  return [
    row(['field', 'default', 'meaning']),
    row(['---', '---', '---']),
    ...Object.entries(HOST_FIELDS).map(([field, f]) => row([`\`${field}\``, f.defaultDoc, f.doc])),
    ...Object.keys(PER_HOST_SETTINGS).map((field) => row([`\`${field}\``, `the top-level \`${field}\``, `this host's own \`${field}\``])),
  ];
}

const unsetByDefault = () => {
  const fields = Object.entries(SETTINGS)
    .filter(([, s]) => s.default === undefined)
    .map(([field]) => `\`${field}\``);
  return `${fields.slice(0, -1).join(', ')} and ${fields.at(-1)} are`;
};

/** A config file with two hosts and every other setting at its default, each with its line of doc. */
function exampleFile(): string {
  const printed = printableConfig(loadConfig({}, { path: 'example.yaml', text: EXAMPLE_HOSTS }));
  return Object.entries(printed)
    .map(([field, value]) => {
      const doc = SETTINGS[field as keyof typeof SETTINGS].doc.replaceAll('`', '');
      return `# ${doc}\n${toYaml({ [field]: value })}`;
    })
    .join('');
}

/** docs/configuration.md, all of it from the settings' definitions (server/config/settings.ts). */
export function configurationDocs(): string {
  return [
    '<!-- Generated from server/config/settings.ts by `npm run docs:config`: edit the settings there, not this file. -->',
    '',
    '# Configuration',
    '',
    'Environment variables win over the optional config file (`--config FILE` or',
    '`INVITES_CONFIG`, YAML or JSON, same field names as the second column). Everything is checked',
    'at start; a bad value stops the server with a message naming the setting (exit code 78).',
    '',
    ...settingsTable(),
    '',
    '## Per-host settings',
    '',
    'Per-host settings need the file. Each entry of `hosts` has these fields:',
    '',
    ...hostTable(),
    '',
    '## The config file',
    '',
    'Every setting at its default, with two hosts (the first with its own lifetimes and landing page),',
    `as \`--print-config\` prints it; ${unsetByDefault()} left out: unset is their default.`,
    'A file needs only the settings it changes.',
    '',
    '```yaml',
    exampleFile().trimEnd(),
    '```',
    '',
    'A bad file names the field, where it came from, and what is wrong, all problems at once:',
    '',
    '```',
    '$ invitesctl serve --config invites.yaml',
    'invites: invalid configuration:',
    '  hosts[1].publicBaseUrl (in invites.yaml): must be an http:// or https:// URL',
    '  metrics (from INVITES_METRICS): "maybe" is not true or false (or 1/0, yes/no, on/off)',
    '```',
    '',
    '## Printing the effective configuration',
    '',
    '`invitesctl serve --print-config` (or `node dist/server/main.js --print-config`; add `--json`',
    'for JSON) prints the effective configuration, file and environment merged, as a config file,',
    'and exits. The admin token and the password (and secret options) in `mongodbUri` are shown as',
    '`********`; everything else is as the server would use it, so the file loads back once the',
    'secrets are filled in.',
    '',
  ].join('\n');
}
