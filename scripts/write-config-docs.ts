// Writes docs/configuration.md from the settings' definitions (npm run docs:config).
import { writeFileSync } from 'node:fs';
import { CONFIG_DOCS_PATH, configurationDocs } from '../server/config/config-docs.js';

writeFileSync(CONFIG_DOCS_PATH, configurationDocs());
process.stdout.write(`wrote ${CONFIG_DOCS_PATH}\n`);
