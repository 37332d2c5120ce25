import assert from 'node:assert/strict';
import http2 from 'node:http2';
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
      limits: {
        headersTimeoutMs: 300,
        requestTimeoutMs: 5000,
        idleTimeoutMs: 5000,
        maxConcurrentStreams: 100,
        maxConnectionsPerAddress: 100,
      },
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

describe('one-port server: deadlines and limits (issue 13 §2)', function () {
  this.timeout(15_000);
  const limits = {
    headersTimeoutMs: 300,
    requestTimeoutMs: 600,
    idleTimeoutMs: 500,
    maxConcurrentStreams: 10,
    maxConnectionsPerAddress: 50,
  };
  let server: OnePortServer;
  const sockets: net.Socket[] = [];
  const sessions: http2.ClientHttp2Session[] = [];
  before(async () => {
    server = await listenOnePort({
      handler: (req, res) => {
        if (req.url === '/hang') return;
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          if (req.url !== '/stream') return res.end(`got ${Buffer.concat(chunks).length}`);
          // A response that outlives the request deadline, as a Watch stream does.
          let n = 0;
          const tick = setInterval(() => {
            (res as NodeJS.WritableStream).write(`tick ${++n}\n`);
            if (n === 12) {
              clearInterval(tick);
              res.end();
            }
          }, 100);
        });
      },
      port: 0,
      host: '127.0.0.1',
      limits,
    });
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    for (const s of sessions) s.destroy();
    await server.close(1000);
  });
  const connect = (localAddress?: string) =>
    new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect({ port: server.port, host: '127.0.0.1', localAddress }, () => resolve(socket));
      socket.once('error', reject);
      sockets.push(socket);
    });
  const h2connect = () => {
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    session.on('error', () => {});
    sessions.push(session);
    return session;
  };
  const received = (socket: net.Socket) => {
    let text = '';
    socket.on('data', (c) => (text += c));
    return () => text;
  };

  it('HTTP/1.1: a request head that never ends gets 408 and is closed in time', async () => {
    const started = Date.now();
    const socket = await connect();
    const text = received(socket);
    socket.write('GET /healthz HTTP/1.1\r\n');
    const took = await closedWithin(socket, 3000, started);
    assert.match(text(), /^HTTP\/1\.1 408 Request Timeout/);
    assert.ok(took >= 250 && took < 1500, `closed after ${took} ms`);
  });

  it('HTTP/1.1: a body that stops after 5 of 100 bytes gets 408 and is closed in time', async () => {
    const started = Date.now();
    const socket = await connect();
    const text = received(socket);
    socket.write(
      'POST /invites.v1.InviteService/CreateInvite HTTP/1.1\r\n' +
        'Host: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ho',
    );
    const took = await closedWithin(socket, 3000, started);
    assert.match(text(), /^HTTP\/1\.1 408 Request Timeout/);
    assert.ok(took >= 550 && took < 2000, `closed after ${took} ms`);
  });

  it('HTTP/1.1: an idle keep-alive connection is closed after the idle timeout, not before', async () => {
    const socket = await connect();
    const text = received(socket);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 100));
    assert.match(text(), /^HTTP\/1\.1 200 OK/);
    const answered = Date.now();
    const took = await closedWithin(socket, 3000, answered);
    assert.ok(took >= 350 && took < 2000, `closed ${took} ms after its response`);
  });

  it('HTTP/2: a connection that sends only the preface is sent GOAWAY and closed in time', async () => {
    const started = Date.now();
    const socket = await connect();
    const text = received(socket);
    socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    const took = await closedWithin(socket, 3000, started);
    // Frame type 0x7 (GOAWAY) among what the server sent: after its SETTINGS (9-byte frame headers).
    const bytes = Buffer.from(text(), 'latin1');
    let goaway = false;
    for (let at = 0; at + 9 <= bytes.length; at += 9 + bytes.readUIntBE(at, 3)) if (bytes[at + 3] === 0x7) goaway = true;
    assert.ok(goaway, 'a GOAWAY frame was sent');
    assert.ok(took >= 250 && took < 2500, `closed after ${took} ms`);
  });

  it('HTTP/2: a stream whose body never comes is reset; a long response to a whole request is not', async () => {
    const session = h2connect();
    const stalled = session.request({ ':method': 'POST', ':path': '/echo', 'content-length': '100' });
    stalled.write('12345');
    stalled.on('error', () => {});
    const long = session.request({ ':method': 'POST', ':path': '/stream' });
    long.end('whole');
    let ticks = '';
    long.setEncoding('utf8');
    long.on('data', (c: string) => (ticks += c));
    const started = Date.now();
    const resetAfter = await new Promise<number>((resolve) => stalled.once('close', () => resolve(Date.now() - started)));
    assert.equal(stalled.rstCode, http2.constants.NGHTTP2_CANCEL);
    assert.ok(resetAfter >= 550 && resetAfter < 2000, `reset after ${resetAfter} ms`);
    await new Promise((resolve) => long.once('close', resolve));
    assert.equal(long.rstCode, http2.constants.NGHTTP2_NO_ERROR);
    assert.equal(ticks.match(/tick/g)?.length, 12, 'the 1.2 s response arrived whole');
  });

  it('HTTP/2: an idle session is sent GOAWAY after the idle timeout', async () => {
    const session = h2connect();
    const req = session.request({ ':path': '/healthz' });
    req.resume();
    await new Promise((resolve) => req.once('close', resolve));
    const idleFrom = Date.now();
    const goaway = await new Promise<number>((resolve) => session.once('goaway', () => resolve(Date.now() - idleFrom)));
    assert.ok(goaway >= 400 && goaway < 2000, `GOAWAY after ${goaway} ms idle`);
    await new Promise((resolve) => session.once('close', resolve));
  });

  it('HTTP/2: advertises the stream limit and refuses streams over it', async () => {
    const session = h2connect();
    // Sent before the server's SETTINGS arrive, so the client cannot hold them back itself.
    const streams = Array.from({ length: limits.maxConcurrentStreams + 5 }, () => {
      const s = session.request({ ':path': '/hang' });
      s.on('error', () => {});
      return s;
    });
    await new Promise((resolve) => session.once('remoteSettings', resolve));
    assert.equal(session.remoteSettings.maxConcurrentStreams, limits.maxConcurrentStreams);
    await new Promise((r) => setTimeout(r, 200));
    const refused = streams.filter((s) => s.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM);
    assert.equal(refused.length, 5);
    session.destroy();
  });

  it('caps connections per client address; another address still gets in', async () => {
    const held = await Promise.all(Array.from({ length: limits.maxConnectionsPerAddress }, () => connect()));
    const over = await connect();
    await closedWithin(over, 2000, Date.now());
    const other = await connect('127.0.0.2');
    const text = received(other);
    other.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 100));
    assert.match(text(), /^HTTP\/1\.1 200 OK/);
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const again = await connect();
    const againText = received(again);
    again.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 100));
    assert.match(againText(), /^HTTP\/1\.1 200 OK/, 'a slot frees when a connection closes');
  });
});
