import assert from 'node:assert/strict';
import net from 'node:net';
import { listenOnePort, type OnePortServer } from '../../server/transport/one-port-server.js';

/** Resolves with how long the server took to close `socket`, or rejects after `ms`. */
const closedWithin = (socket: net.Socket, ms: number, started: number) =>
  new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });

describe('one-port server: connections that send nothing', () => {
  let server: OnePortServer;
  const sockets: net.Socket[] = [];
  before(async () => {
    server = await listenOnePort({
      handler: (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
      },
      port: 0,
      host: '127.0.0.1',
      firstBytesTimeoutMs: 300,
    });
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await server.close(1000);
  });
  const connect = () =>
    new Promise<net.Socket>((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1', () => resolve(socket));
      socket.on('error', () => {});
      sockets.push(socket);
    });

  it('closes a connection that sends no byte within the first-bytes timeout', async () => {
    const started = Date.now();
    const idle = await connect();
    const took = await closedWithin(idle, 3000, started);
    assert.ok(took >= 250, `closed after ${took} ms, not before the timeout`);
  });

  it('leaves a connection alone once its first bytes chose HTTP/1.1, past that timeout', async () => {
    const socket = await connect();
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 800));
    assert.match(answer, /^HTTP\/1\.1 200 OK/);
    assert.ok(!socket.destroyed, 'the keep-alive connection is still open');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(answer.match(/HTTP\/1\.1 200 OK/g)?.length, 2, 'and serves a second request on it');
  });
});
