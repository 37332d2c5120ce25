// Writes openapi/openapi.json (npm run openapi); run `npx buf generate --template
// buf.gen.openapi.yaml` first when the proto changed. See docs/openapi.md.
import { writeFileSync } from 'node:fs';
import { OPENAPI_PATH, openApiText } from './openapi-document.js';

const root = new URL('../', import.meta.url);
writeFileSync(new URL(OPENAPI_PATH, root), openApiText(root));
process.stdout.write(`wrote ${OPENAPI_PATH}\n`);
