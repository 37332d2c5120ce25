// The framework's own floor: connect-node on the same one-port server, with a CreateInvite that
// answers a fixed invite at once (no key check, no store, no logging or metrics). What no
// handler of ours can go below on these cores. Talks to its parent over IPC.
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { InviteService } from '../gen/invites/v1/invite_service_pb.js';
import { loadConfig } from '../server/config/config.js';
import type { HttpRequest, HttpResponse } from '../server/transport/http-types.js';
import { listenOnePort } from '../server/transport/one-port-server.js';

const token = 'A'.repeat(24);
const invite = { token, host: 'localhost', uri: `xmpp:localhost?register;preauth=${token}` };
const adapter = connectNodeAdapter({
  routes: (router) => router.service(InviteService, { createInvite: async () => ({ invite }) }),
}) as (req: HttpRequest, res: HttpResponse) => void;
// The server's default connection limits.
const server = await listenOnePort({ handler: adapter, port: 0, host: '127.0.0.1', limits: loadConfig({}) });
process.on('message', async (message: { type: string }) => {
  if (message.type === 'stop') {
    await server.close(1000);
    process.exit(0);
  }
});
process.send!({ type: 'ready', port: server.port });
