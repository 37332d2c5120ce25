import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package-root.js';

/** The committed OpenAPI document (made by `npm run openapi`), read once when a server is composed. */
export function readOpenApiDocument(): string {
  return readFileSync(join(packageRoot(), 'openapi', 'openapi.json'), 'utf8');
}
