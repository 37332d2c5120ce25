import { createClient, type Client, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { InviteService } from '../gen/invites/v1/invite_service_pb.js';

export type InviteServiceClient = Client<typeof InviteService>;

const CALL_TIMEOUT_MS = 30_000;

/** The generated InviteService client over the Connect protocol, HTTP/1.1, sending the admin token (as the KeyAdmin client does). */
export function createInviteServiceClient(url: string, adminToken: string): InviteServiceClient {
  const authorize: Interceptor = (next) => (req) => {
    req.header.set('authorization', `Bearer ${adminToken}`);
    return next(req);
  };
  const transport = createConnectTransport({
    baseUrl: url,
    httpVersion: '1.1',
    interceptors: [authorize],
    defaultTimeoutMs: CALL_TIMEOUT_MS,
  });
  return createClient(InviteService, transport);
}
