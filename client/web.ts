// invites/client/web: the same client for a browser (connect-web over fetch). Browsers cannot
// speak gRPC itself; Connect and gRPC-Web both work, the server answers CORS for any origin.
import type { Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-web';
import { commonTransportOptions, invitesClientOver, type InvitesClient, type InvitesClientBaseOptions } from './invites-client.js';

export * from './entry-exports.js';

export interface InvitesClientOptions extends InvitesClientBaseOptions {
  /** Connect (default; JSON bodies unless useBinaryFormat) or gRPC-Web. */
  transport?: 'connect' | 'grpc-web';
}

/**
 * A ready client of the invites server at `baseUrl` for a web page, sending `credential` (an API
 * key or the admin token) on every call. Do not ship the admin token to pages other people load.
 *
 * @example
 * const client = createInvitesClient({ baseUrl: 'https://invites.example.com' });
 * const { invite } = await client.invites.getInvite({ token });
 */
export function createInvitesClient(options: InvitesClientOptions): InvitesClient {
  return invitesClientOver(createInvitesTransport(options));
}

/** The transport createInvitesClient uses, for the generated services or a client of your own. */
export function createInvitesTransport(options: InvitesClientOptions): Transport {
  const protocol = options.transport ?? 'connect';
  const common = commonTransportOptions(options);
  switch (protocol) {
    case 'grpc-web':
      return createGrpcWebTransport(common);
    case 'connect':
      return createConnectTransport({ ...common, useBinaryFormat: options.useBinaryFormat });
    default:
      throw new TypeError(`unknown transport "${String(protocol)}": use "connect" or "grpc-web"`);
  }
}
