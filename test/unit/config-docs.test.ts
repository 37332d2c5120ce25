import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../server/config/config.js';
import { CONFIG_DOCS_PATH, configurationDocs } from '../../server/config/config-docs.js';
import { SETTINGS } from '../../server/config/settings.js';

const docs = readFileSync(new URL(`../../${CONFIG_DOCS_PATH}`, import.meta.url), 'utf8');

describe('docs/configuration.md', () => {
  it('is what the settings definition generates (run `npm run docs:config` after changing a setting)', () => {
    assert.equal(docs, configurationDocs());
  });

  it('names every environment variable and file field, and its example file loads', () => {
    for (const [field, s] of Object.entries(SETTINGS)) assert.ok(docs.includes(`| \`${s.env}\` | \`${field}\` |`), s.env);
    const example = /```yaml\n([\s\S]*?)```/.exec(docs)?.[1];
    assert.ok(example, 'an example config file');
    const config = loadConfig({}, { path: 'example.yaml', text: example });
    assert.deepEqual([...config.hosts.keys()], ['example.com', 'chat.example.org']);
    assert.equal(config.hosts.get('example.com')!.maxInviteTtlSeconds, 14 * 86400);
  });

  it('gives every setting its own environment variable', () => {
    const variables = Object.values(SETTINGS).map((s) => s.env);
    assert.equal(new Set(variables).size, variables.length);
  });
});
