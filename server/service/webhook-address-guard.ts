/**
 * Server-side request forgery: a webhook URL must not make the server call its own loopback or
 * the private network behind it, unless the operator allows it (INVITES_WEBHOOK_ALLOW_PRIVATE_ADDRESSES).
 * Checked at registration, and again on the address each delivery actually connects to (a name
 * may resolve elsewhere later: DNS rebinding).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Why `address` is not a public one (e.g. `loopback`), or undefined when it is. */
export function nonPublicRange(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'invalid';
  const range = ipaddr.process(address).range();
  return range === 'unicast' ? undefined : range;
}

export class PrivateAddressRefused extends Error {
  override readonly name = 'PrivateAddressRefused';
  constructor(
    readonly hostname: string,
    readonly address: string,
    readonly range: string,
  ) {
    super(
      `${hostname} resolves to ${address}, a ${range} address: refused unless the server allows private addresses ` +
        '(INVITES_WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true)',
    );
  }
}

/** The first address of `hostname` that is not public, if any (a literal address is its own answer). */
export async function firstNonPublicAddress(hostname: string): Promise<{ address: string; range: string } | undefined> {
  const bare = hostname.replace(/^\[|\]$/g, '');
  const addresses: string[] = isIP(bare)
    ? [bare]
    : (
        await new Promise<LookupAddress[]>((resolve, reject) =>
          dnsLookup(bare, { all: true }, (err, found) => (err ? reject(err) : resolve(found))),
        )
      ).map((a) => a.address);
  for (const address of addresses) {
    const range = nonPublicRange(address);
    if (range) return { address, range };
  }
  return undefined;
}

/** A `lookup` for http(s).request that refuses non-public addresses (the ones actually connected to). */
export function publicOnlyLookup(): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, found) => {
      if (err) return callback(err, '', 0);
      const addresses = found as LookupAddress[];
      for (const a of addresses) {
        const range = nonPublicRange(a.address);
        if (range) return callback(new PrivateAddressRefused(hostname, a.address, range), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
