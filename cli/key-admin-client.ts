import { createClient, type Client, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { KeyAdmin } from '../gen/invites/v1/key_admin_pb.js';

export type KeyAdminClient = Client<typeof KeyAdmin>;

/** A stuck server must not hang a script forever; key admin calls are small and quick. */
const CALL_TIMEOUT_MS = 30_000;

/** The generated KeyAdmin client over the Connect protocol, HTTP/1.1, sending the admin token. */
export function createKeyAdminClient(url: string, adminToken: string): KeyAdminClient {
  const authorize: Interceptor = (next) => (req) => {
    req.header.set('authorization', `Bearer ${adminToken}`);
    return next(req);
  };
  const transport = createConnectTransport({
    baseUrl: url,
    // HTTP/1.1 works through any proxy and opens no session that could keep the process alive.
    httpVersion: '1.1',
    interceptors: [authorize],
    defaultTimeoutMs: CALL_TIMEOUT_MS,
  });
  return createClient(KeyAdmin, transport);
}
