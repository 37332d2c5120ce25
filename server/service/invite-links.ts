import type { HostConfig } from '../config/config.js';

/** `xmpp:HOST?register;preauth=TOKEN`, the URI mod_invites gives account invites. */
export function inviteUri(host: string, token: string): string {
  return `xmpp:${host}?register;preauth=${token}`;
}

export function landingPageUrl(host: HostConfig, token: string): string {
  return host.landingPageTemplate.replaceAll('{token}', token).replaceAll('{host}', host.name);
}
