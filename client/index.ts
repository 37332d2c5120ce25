// invites/client: a typed client of an invites server for Node (connect-node). The browser
// entry is invites/client/web; both export the same messages, services and errors.
import type { Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { commonTransportOptions, invitesClientOver, type InvitesClient, type InvitesClientBaseOptions } from './invites-client.js';

export * from './entry-exports.js';

/** The protocol and HTTP version; gRPC needs HTTP/2 (h2c on an http:// URL, ALPN on https://). */
export type NodeProtocolOptions =
  { transport?: 'connect' | 'grpc-web'; httpVersion?: '1.1' | '2' } | { transport: 'grpc'; httpVersion?: '2' };

export type InvitesClientOptions = InvitesClientBaseOptions & NodeProtocolOptions;

/**
 * A ready client of the invites server at `baseUrl`, sending `credential` (an API key or the admin
 * token) on every call. Connect over HTTP/1.1 by default: it passes any proxy and keeps no
 * connection open that would hold a script's process alive.
 *
 * @example
 * const client = createInvitesClient({ baseUrl: 'http://127.0.0.1:8080', credential: process.env.INVITES_KEY });
 * const { invite } = await client.invites.createInvite({ ttlSeconds: 3600 });
 */
export function createInvitesClient(options: InvitesClientOptions): InvitesClient {
  return invitesClientOver(createInvitesTransport(options));
}

/** The transport createInvitesClient uses, for the generated services or a client of your own. */
export function createInvitesTransport(options: InvitesClientOptions): Transport {
  const protocol = options.transport ?? 'connect';
  const common = commonTransportOptions(options);
  switch (protocol) {
    case 'grpc':
      // Checked at run time too: a JavaScript caller gets no type error for 1.1.
      if (options.httpVersion !== undefined && options.httpVersion !== '2') {
        throw new TypeError(`gRPC needs HTTP/2, not httpVersion "${options.httpVersion}"`);
      }
      return createGrpcTransport(common);
    case 'grpc-web':
      return createGrpcWebTransport({ ...common, httpVersion: options.httpVersion ?? '1.1' });
    case 'connect':
      return createConnectTransport({ ...common, httpVersion: options.httpVersion ?? '1.1', useBinaryFormat: options.useBinaryFormat });
    default:
      throw new TypeError(`unknown transport "${String(protocol)}": use "connect", "grpc" or "grpc-web"`);
  }
}
