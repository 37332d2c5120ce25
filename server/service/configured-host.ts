import { DomainError, unknownHost } from '../domain/errors.js';

export const HOST_REQUIRED = 'host is required, e.g. example.com';
export const HOST_REQUIRED_WITH_ADMIN_TOKEN = 'host is required with the admin token, e.g. example.com';

/**
 * The configuration of a host a caller named (any case); a missing name or an unconfigured
 * host is `invalid_argument`, the latter listing the configured hosts.
 */
export function configuredHost<H>(hosts: ReadonlyMap<string, H>, name: string, requiredMessage = HOST_REQUIRED): H {
  if (!name) throw new DomainError('invalid_argument', requiredMessage);
  const host = hosts.get(name.toLowerCase());
  if (host === undefined) throw unknownHost(name, [...hosts.keys()]);
  return host;
}
