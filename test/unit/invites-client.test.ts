import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Code, createInvitesClient, isInvitesError } from '../../client/index.js';
import { createInvitesClient as createWebClient } from '../../client/web.js';

/** A stand-in server: answers every Connect call with an empty message after `delayMs`, and records the Authorization headers. */
async function fakeServer(delayMs = 0) {
  const authorizations: Array<string | undefined> = [];
  const server = http.createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    req.resume();
    // An empty message: `{}` in JSON, no bytes in binary (connect-node's default).
    const type = req.headers['content-type'] === 'application/json' ? 'application/json' : 'application/proto';
    const timer = setTimeout(() => res.writeHead(200, { 'content-type': type }).end(type === 'application/json' ? '{}' : ''), delayMs);
    res.once('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('createInvitesClient (invites/client and invites/client/web)', () => {
  it('sends the credential as a Bearer token from Node and from the web entry, and nothing without one', async () => {
    const server = await fakeServer();
    try {
      await createInvitesClient({ baseUrl: server.baseUrl, credential: 'KEYID/secret' }).invites.getInvite({ token: 't' });
      await createWebClient({ baseUrl: server.baseUrl, credential: 'admin-token' }).keys.listKeys({ host: 'example.com' });
      await createInvitesClient({ baseUrl: server.baseUrl }).invites.getInvite({ token: 't' });
      assert.deepEqual(server.authorizations, ['Bearer KEYID/secret', 'Bearer admin-token', undefined]);
    } finally {
      await server.close();
    }
  });

  it('gives up on a stuck server after timeoutMs with Code.DeadlineExceeded, and waits when timeoutMs is 0', async () => {
    const server = await fakeServer(150);
    try {
      const stuck = await createInvitesClient({ baseUrl: server.baseUrl, timeoutMs: 30 })
        .invites.getInvite({ token: 't' })
        .catch((err: unknown) => err);
      assert.ok(isInvitesError(stuck, Code.DeadlineExceeded), `DeadlineExceeded, not ${String(stuck)}`);
      // connect itself aborts a call at once on a deadline of 0; here 0 means no deadline.
      await createInvitesClient({ baseUrl: server.baseUrl, timeoutMs: 0 }).invites.getInvite({ token: 't' });
    } finally {
      await server.close();
    }
  });

  it('refuses a credential with a line break without echoing it, and gRPC over HTTP/1.1', () => {
    assert.throws(
      () => createInvitesClient({ baseUrl: 'http://127.0.0.1:1', credential: 'KEYID/s3cret\nX-Other: 1' }),
      (err: Error) => err instanceof TypeError && /line break/.test(err.message) && !err.message.includes('s3cret'),
    );
    assert.throws(
      // A JavaScript caller gets no type error for this.
      () => createInvitesClient({ baseUrl: 'http://127.0.0.1:1', transport: 'grpc', httpVersion: '1.1' as '2' }),
      /gRPC needs HTTP\/2/,
    );
  });
});
