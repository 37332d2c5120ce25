import { createClient, type Client } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import { freePort, startProsody, type ProsodyOptions, type TestProsody } from './prosody.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import { startTestServer, type TestServer } from './test-server.js';

/** Our server, a key of its `localhost` host, and Prosody using our module with that key. */
export interface ProsodyWithService {
  server: TestServer;
  prosody: TestProsody;
  /** The service's InviteService, called with the key Prosody uses. */
  invites: Client<typeof InviteService>;
  /** What Prosody is configured with (through the proxy), for a second Prosody instance. */
  serviceUrl: string;
  serviceKey: string;
  /** Call options carrying that key. */
  auth: { headers: { authorization: string } };
  /**
   * Calls an InviteService RPC over Connect's JSON protocol with the key, as the Lua module does;
   * resolves to the JSON answer, rejects with the Connect error code and message.
   */
  rpc(method: string, body: object): Promise<any>;
  /** Between Prosody and the service: cut or freeze it to take the service away. */
  proxy: TcpProxy;
  stop(): Promise<void>;
}

/**
 * `webSignUp`: our landing pages offer Prosody's web sign-up page (mod_invites_register_web, which
 * the caller loads) as "Sign up in your browser". `serviceEnv`: settings of our server.
 */
export async function startProsodyWithService(
  options: Partial<Omit<ProsodyOptions, 'serviceUrl' | 'serviceKey' | 'httpPort'>> & {
    webSignUp?: boolean;
    serviceEnv?: Record<string, string>;
  } = {},
): Promise<ProsodyWithService> {
  const httpPort = await freePort();
  const server = await startTestServer({
    ...options.serviceEnv,
    INVITES_HOSTS: 'localhost=http://localhost:8080',
    ...(options.webSignUp ? { INVITES_WEB_REGISTRATION: `http://127.0.0.1:${httpPort}/register?t={token}` } : {}),
  });
  const stops: Array<() => Promise<void>> = [() => server.stop()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
  try {
    const transport = createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' });
    const admin = createClient(KeyAdmin, transport);
    const { fullKey } = await admin.createKey(
      { host: 'localhost', name: 'prosody' },
      { headers: { authorization: `Bearer ${server.adminToken}` } },
    );
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: server.port });
    stops.push(() => proxy.close());
    const serviceUrl = `http://127.0.0.1:${proxy.port}`;
    const prosody = await startProsody({ ...options, httpPort, serviceUrl, serviceKey: fullKey });
    stops.push(() => prosody.stop());
    return {
      server,
      prosody,
      serviceUrl,
      serviceKey: fullKey,
      invites: createClient(InviteService, transport),
      auth: { headers: { authorization: `Bearer ${fullKey}` } },
      async rpc(method, body) {
        const res = await fetch(`${server.url}/invites.v1.InviteService/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${fullKey}` },
          body: JSON.stringify(body),
        });
        const answer = await res.json();
        if (!res.ok) throw Object.assign(new Error(`${method}: ${answer.code}: ${answer.message}`), { code: answer.code });
        return answer;
      },
      proxy,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * Reads until the value is `want` or `ms` have passed, and returns the last value read. Prosody
 * answers a registration before it confirms the invite's use (mod_register_ibr sends the result,
 * then fires user-registered), so our store shows the use a moment after the client's answer.
 */
export async function eventually<T>(read: () => Promise<T>, want: T, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (JSON.stringify(value) === JSON.stringify(want) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}
