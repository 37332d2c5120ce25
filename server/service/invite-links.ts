import type { HostConfig } from '../config/config.js';

export function landingPageUrl(host: HostConfig, token: string): string {
  return host.landingPageTemplate.replaceAll('{token}', token).replaceAll('{host}', host.name);
}
