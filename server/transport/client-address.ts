import { createContextKey } from '@connectrpc/connect';
import ipaddr from 'ipaddr.js';
import proxyAddr from 'proxy-addr';
import type { HttpRequest } from './http-types.js';

/** The calling client's address, for RPC handlers and interceptors. */
export const CLIENT_ADDRESS = createContextKey<string | undefined>(undefined, { description: 'client address' });

/**
 * The address a client is counted under: IPv4 as it is (also when IPv4-mapped), IPv6 reduced
 * to its /64, since one host usually holds a whole /64.
 */
export function rateLimitAddress(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(':')}::/64`;
}

/**
 * Finds a request's client address: the socket's peer, or, when that peer is one of the
 * trusted proxies, the right-most X-Forwarded-For entry not added by a trusted proxy.
 * With no trusted proxies, X-Forwarded-For is ignored (anyone could write it); an entry that
 * is not an IP address is not believed either (the peer is counted instead).
 */
export function clientAddressOf(trustedProxies: readonly string[]): (req: HttpRequest) => string | undefined {
  const trust = proxyAddr.compile([...trustedProxies]);
  return (req) => {
    const peer = req.socket?.remoteAddress;
    if (peer === undefined) return undefined;
    const forwarded = trustedProxies.length === 0 ? peer : proxyAddr(req as Parameters<typeof proxyAddr>[0], trust);
    return rateLimitAddress(ipaddr.isValid(forwarded) ? forwarded : peer);
  };
}

/** Whether a peer is one of the trusted proxies (which carry many clients' connections). */
export function isTrustedProxy(trustedProxies: readonly string[]): (address: string) => boolean {
  const trust = proxyAddr.compile([...trustedProxies]);
  return (address) => trustedProxies.length > 0 && trust(address, 0);
}
