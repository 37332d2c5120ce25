import { stringify as toYaml } from 'yaml';
import type { Config } from './config.js';
import { SETTINGS } from './settings.js';

export { MASK, maskMongoUri } from './mask-secrets.js';

/**
 * The effective configuration in the config file's shape (so it can be saved and edited),
 * every setting as its definition prints it: the admin token and database credentials masked,
 * unset optional settings left out.
 */
export function printableConfig(config: Config): Record<string, unknown> {
  const printed: Record<string, unknown> = {};
  for (const [field, s] of Object.entries(SETTINGS)) {
    const value = config[s.key];
    if (value !== undefined) printed[field] = (s.print as (value: unknown) => unknown)(value);
  }
  return printed;
}

export function formatConfig(config: Config, format: 'yaml' | 'json'): string {
  const printable = printableConfig(config);
  return format === 'json' ? `${JSON.stringify(printable, null, 2)}\n` : toYaml(printable);
}
