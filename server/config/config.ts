import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEFAULT_APPS } from './recommended-apps.js';
import { HOST_FIELDS, PER_HOST_SETTINGS, SETTINGS } from './settings.js';
import type { Config, HostConfig, HostEntry } from './settings.js';

export type { Config, HostConfig } from './settings.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type ConfigFile = { path: string; text: string };

/** The file's schema, from the settings: unknown fields are refused, defaults filled in. */
const fileSchema = z.strictObject(
  Object.fromEntries(
    Object.entries(SETTINGS).map(([field, s]) => {
      const value = s.kind.value as z.ZodType<unknown, unknown>;
      return [field, s.default === undefined ? value.optional() : value.default(s.default)];
    }),
  ),
);

function parseConfigFile(file: ConfigFile): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = /\.json$/i.test(file.path) ? JSON.parse(file.text) : parseYaml(file.text);
  } catch (err) {
    throw new ConfigError(`config file ${file.path} cannot be parsed: ${(err as Error).message}`);
  }
  if (parsed == null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${file.path} must hold a mapping of settings`);
  }
  return parsed as Record<string, unknown>;
}

/** The file's fields with the environment's on top; `fromEnv` maps each field to its variable. */
function mergeEnvironment(env: Readonly<Record<string, string | undefined>>, raw: Record<string, unknown>) {
  const fromEnv = new Map<string, string>();
  for (const [field, s] of Object.entries(SETTINGS)) {
    const value = env[s.env];
    if (value === undefined || value === '') continue;
    raw[field] = s.fromEnv(value);
    fromEnv.set(field, s.env);
  }
  return fromEnv;
}

function describeIssues(issues: readonly z.core.$ZodIssue[], fromEnv: Map<string, string>, file: ConfigFile | undefined): ConfigError {
  const lines = issues.map((issue) => {
    const path = issue.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '');
    const root = String(issue.path[0] ?? '');
    const source = fromEnv.has(root) ? ` (from ${fromEnv.get(root)})` : file ? ` (in ${file.path})` : '';
    return `  ${path || '(root)'}${source}: ${issue.message}`;
  });
  return new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

/** A typo in `hideApps` would silently hide nothing: name it, and the ids there are. */
function unknownHiddenApps(host: HostConfig): string | undefined {
  const ids = (host.apps ?? DEFAULT_APPS).map((app) => app.id);
  const unknown = (host.hideApps ?? []).filter((id) => !ids.includes(id));
  return unknown.length ? `${unknown.map((id) => `"${id}"`).join(', ')} is not one of the apps (${ids.join(', ')})` : undefined;
}

/** The hosts by name, each field and per-host setting resolved, lifetimes within their maximum. */
function resolveHosts(entries: HostEntry[], config: Record<string, unknown>): Map<string, HostConfig> {
  const hosts = new Map<string, HostConfig>();
  for (const entry of entries) {
    if (hosts.has(entry.name)) throw new ConfigError(`invalid configuration:\n  hosts: "${entry.name}" is listed twice`);
    const host: Record<string, unknown> = {};
    for (const [field, f] of Object.entries(HOST_FIELDS)) host[f.key] = entry[field] ?? f.fallback?.(entry);
    for (const [field, s] of Object.entries(PER_HOST_SETTINGS)) host[s.key] = entry[field] ?? config[s.key];
    const { inviteTtlSeconds, maxInviteTtlSeconds } = host as HostConfig;
    if (inviteTtlSeconds > maxInviteTtlSeconds) {
      throw new ConfigError(
        `invalid configuration:\n  hosts (${entry.name}): the invite lifetime (inviteTtl, ${inviteTtlSeconds}s) ` +
          `is longer than the maximum (maxInviteTtl, ${maxInviteTtlSeconds}s)`,
      );
    }
    const unknownApps = unknownHiddenApps(host as HostConfig);
    if (unknownApps) throw new ConfigError(`invalid configuration:\n  hosts (${entry.name}).hideApps: ${unknownApps}`);
    hosts.set(entry.name, host as HostConfig);
  }
  return hosts;
}

/**
 * The configuration as a pure function of the environment (and the text of an optional
 * config file, which the entry point reads). Environment variables win over the file.
 * Every problem is reported at once, each naming its setting.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>, file?: ConfigFile): Config {
  const raw: Record<string, unknown> = file ? parseConfigFile(file) : {};
  const fromEnv = mergeEnvironment(env, raw);
  const result = fileSchema.safeParse(raw);
  if (!result.success) throw describeIssues(result.error.issues, fromEnv, file);
  const config: Record<string, unknown> = {};
  for (const [field, s] of Object.entries(SETTINGS)) config[s.key] = result.data[field];
  config.hosts = resolveHosts(result.data.hosts as HostEntry[], config);
  return config as Config;
}
