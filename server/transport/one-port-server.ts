import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { CLOSE_GRACE_MS, connectionsPerAddress, endThenDestroy, type ConnectionLimits } from './connection-limits.js';
import { stopRequestAfterResponse, watchSession } from './http2-deadlines.js';
import type { HttpRequest, HttpResponse } from './http-types.js';

/** The first bytes every HTTP/2 prior-knowledge (h2c) connection sends. */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** Request heads (request line + headers) over this many bytes get 431. */
export const MAX_REQUEST_HEAD_BYTES = 16 * 1024;

export interface OnePortServerOptions {
  handler: (req: HttpRequest, res: HttpResponse) => void;
  port: number;
  host: string;
  limits: ConnectionLimits;
  /** Peers the per-address connection limit does not apply to (trusted proxies). */
  unlimitedPeer?: (address: string) => boolean;
}

export interface OnePortServer {
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish (up to `timeoutMs`), then drops what is left. */
  close(timeoutMs: number): Promise<void>;
}

const HEAD_TOO_LARGE = JSON.stringify({
  error: 'request_header_fields_too_large',
  message: `the request line and headers must stay under ${MAX_REQUEST_HEAD_BYTES / 1024} KiB`,
});
const BAD_REQUEST = JSON.stringify({ error: 'bad_request', message: 'the request is not valid HTTP' });
const TIMED_OUT = JSON.stringify({
  error: 'request_timeout',
  message: 'the request did not arrive in time: send it whole, without pauses',
});

function clientErrorAnswer(code: string | undefined): [status: string, body: string] {
  if (code === 'HPE_HEADER_OVERFLOW') return ['431 Request Header Fields Too Large', HEAD_TOO_LARGE];
  // Node's headers and request timeouts (see trackConnections).
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return ['408 Request Timeout', TIMED_OUT];
  return ['400 Bad Request', BAD_REQUEST];
}

function rejectClient(err: NodeJS.ErrnoException, socket: Duplex) {
  // A response already under way on this connection cannot be followed by another.
  const answering = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (!socket.writable || answering) return socket.destroy();
  const [status, body] = clientErrorAnswer(err.code);
  endThenDestroy(
    socket as net.Socket,
    `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The HTTP/1.1 server, with Node's head, request and keep-alive timeouts. Node checks the first
 * two (and finds idle connections for closeIdleConnections) only for connections it tracks,
 * which it starts doing on 'listening': this server never listens (its sockets are handed
 * over), so it is told it does, or those timeouts never fire (issue 13 §2).
 */
function http1Server(limits: ConnectionLimits, handler: (req: HttpRequest, res: HttpResponse) => void): http.Server {
  const h1 = http.createServer(
    {
      maxHeaderSize: MAX_REQUEST_HEAD_BYTES,
      requestTimeout: limits.requestTimeoutMs,
      // Node refuses a head timeout longer than the request's.
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      keepAliveTimeout: limits.idleTimeoutMs,
      // How often the two deadlines are checked: they are overrun by at most this.
      connectionsCheckingInterval: Math.max(10, Math.min(1000, limits.headersTimeoutMs / 4, limits.requestTimeoutMs / 4)),
    },
    handler,
  );
  h1.on('clientError', rejectClient);
  h1.emit('listening');
  return h1;
}

/**
 * The HTTP/2 server and its open sessions, each watched for the connection limits. A session
 * opened while draining is closed at once. `toH2` hands it a connection.
 */
function http2Server(limits: ConnectionLimits, handler: (req: HttpRequest, res: HttpResponse) => void, draining: () => boolean) {
  const h2 = http2.createServer(
    { settings: { maxHeaderListSize: MAX_REQUEST_HEAD_BYTES, maxConcurrentStreams: limits.maxConcurrentStreams } },
    handler,
  );
  const sessions = new Set<http2.ServerHttp2Session>();
  // The socket being handed to the HTTP/2 server: it emits 'session' for it synchronously.
  let handingOver: net.Socket | undefined;
  h2.on('session', (session) => {
    const socket = handingOver;
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    watchSession(session, limits, () => socket?.destroy());
    if (draining()) session.close();
  });
  const toH2 = (socket: net.Socket) => {
    handingOver = socket;
    try {
      h2.emit('connection', socket);
    } finally {
      handingOver = undefined;
    }
  };
  return { sessions, toH2 };
}

/**
 * Counts the requests in flight (until a response finished or its client left). While
 * `draining()`, HTTP/1.1 responses say `Connection: close`, so that their client sends nothing
 * more on that connection and Node ends it after the response.
 */
function countInFlight(handle: (req: HttpRequest, res: HttpResponse) => void, draining: () => boolean) {
  let inFlight = 0;
  const handler = (req: HttpRequest, res: HttpResponse) => {
    inFlight++;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      inFlight--;
    };
    res.once('finish', finish);
    // A client that hangs up first gets no 'finish': its request is over all the same.
    res.once('close', finish);
    if (req instanceof http2.Http2ServerRequest) stopRequestAfterResponse(req.stream);
    else if (draining()) res.setHeader('Connection', 'close');
    handle(req, res);
  };
  return { handler, count: () => inFlight };
}

/** Hands a new connection to the HTTP/2 server if it opens with the h2c preface, else to the HTTP/1.1 one. */
function routeByFirstBytes(socket: net.Socket, h1: http.Server, toH2: (socket: net.Socket) => void, timeoutMs: number) {
  // Until its first bytes choose a server, neither server's timeouts watch it: idle ones would pile up.
  // A deadline, not an idle timeout: a preface sent a byte at a time would keep resetting that.
  const deadline = setTimeout(() => socket.destroy(), timeoutMs).unref();
  socket.once('close', () => clearTimeout(deadline));
  let seen = Buffer.alloc(0);
  const route = (chunk: Buffer) => {
    seen = Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, H2_PREFACE.length);
    const isH2Prefix = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (isH2Prefix && seen.length < H2_PREFACE.length) return; // wait for the rest of the preface
    socket.off('data', route);
    clearTimeout(deadline);
    socket.pause();
    socket.unshift(seen);
    if (isH2Prefix) toH2(socket);
    else h1.emit('connection', socket);
    process.nextTick(() => socket.resume());
  };
  socket.on('data', route);
}

/** Starts `server` listening; rejects if it cannot (the port is taken, say). */
async function listen(server: net.Server, port: number, host: string): Promise<net.AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as net.AddressInfo;
}

/**
 * One TCP port for HTTP/1.1 and h2c. Node's http2 server with allowHTTP1 does not serve
 * HTTP/1.1 without TLS, so each connection's first bytes decide which server gets it.
 */
export async function listenOnePort(options: OnePortServerOptions): Promise<OnePortServer> {
  let draining = false;
  const inFlight = countInFlight(options.handler, () => draining);
  const handler = inFlight.handler;

  const { limits } = options;
  const h1 = http1Server(limits, handler);
  const { sessions, toH2 } = http2Server(limits, handler, () => draining);
  const sockets = new Set<net.Socket>();
  const perAddress = connectionsPerAddress(limits.maxConnectionsPerAddress, options.unlimitedPeer);

  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    if (!perAddress.admit(socket)) return socket.destroy();
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    routeByFirstBytes(socket, h1, toH2, limits.headersTimeoutMs);
  });

  const address = await listen(server, options.port, options.host);

  return {
    port: address.port,
    async close(timeoutMs) {
      draining = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
      // Idle keep-alive connections close at once; busy ones once their response is out.
      const sweep = setInterval(() => h1.closeIdleConnections(), 25);
      h1.closeIdleConnections();
      const drainStart = Date.now();
      const deadline = drainStart + timeoutMs;
      // Until nothing is in flight and every HTTP/2 session has ended by itself: a finished
      // response may still sit in its session's buffers, and destroying the session would cut it
      // off (its client sees CANCEL). A connection accepted just before the drain gets a moment
      // to send its request, which is then answered (with `Connection: close`).
      const busy = () => inFlight.count() > 0 || sessions.size > 0 || (sockets.size > 0 && Date.now() - drainStart < CLOSE_GRACE_MS);
      while (busy() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      clearInterval(sweep);
      h1.closeIdleConnections();
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      // Stops Node's check of the HTTP/1.1 deadlines (the server itself never listened).
      h1.close();
      await stopped;
    },
  };
}
