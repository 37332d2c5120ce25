import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { HttpRequest, HttpResponse } from './http-types.js';

/** The first bytes every HTTP/2 prior-knowledge (h2c) connection sends. */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** Request heads (request line + headers) over this many bytes get 431. */
export const MAX_REQUEST_HEAD_BYTES = 16 * 1024;

/** A connection that has sent nothing this long after opening is closed (as HTTP/1.1's header timeout would). */
export const FIRST_BYTES_TIMEOUT_MS = 10_000;

export interface OnePortServerOptions {
  handler: (req: HttpRequest, res: HttpResponse) => void;
  port: number;
  host: string;
  /** Default FIRST_BYTES_TIMEOUT_MS. */
  firstBytesTimeoutMs?: number;
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

function rejectClient(err: NodeJS.ErrnoException, socket: Duplex) {
  if (!socket.writable) return socket.destroy();
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const body = tooLarge ? HEAD_TOO_LARGE : BAD_REQUEST;
  socket.end(
    `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The requests in flight: `idle` resolves once there are none (a response finished or its client left). */
function countInFlight(handle: (req: HttpRequest, res: HttpResponse) => void) {
  let inFlight = 0;
  let onIdle: (() => void) | undefined;
  const handler = (req: HttpRequest, res: HttpResponse) => {
    inFlight++;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (--inFlight === 0) onIdle?.();
    };
    res.once('finish', finish);
    // A client that hangs up first gets no 'finish': its request is over all the same.
    res.once('close', finish);
    // A complete answer to an HTTP/2 request the client is still sending (e.g. a message over
    // the size limit): tell it to stop (RFC 9113 8.1), or it waits for flow control forever.
    if (req instanceof http2.Http2ServerRequest) {
      const stream = req.stream;
      // After the response's trailers (the compatibility layer sends them on this same event).
      stream.once('wantTrailers', () =>
        setImmediate(() => {
          if (!stream.readableEnded && !stream.closed) stream.close(http2.constants.NGHTTP2_NO_ERROR);
        }),
      );
    }
    handle(req, res);
  };
  return { handler, idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (onIdle = resolve))) };
}

/** Hands a new connection to the HTTP/2 server if it opens with the h2c preface, else to the HTTP/1.1 one. */
function routeByFirstBytes(socket: net.Socket, h1: http.Server, h2: http2.Http2Server, timeoutMs: number) {
  // Until its first bytes choose a server, neither server's timeouts watch it: idle ones would pile up.
  socket.setTimeout(timeoutMs, () => socket.destroy());
  let seen = Buffer.alloc(0);
  const route = (chunk: Buffer) => {
    seen = Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, H2_PREFACE.length);
    const isH2Prefix = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (isH2Prefix && seen.length < H2_PREFACE.length) return; // wait for the rest of the preface
    socket.off('data', route);
    socket.setTimeout(0);
    socket.pause();
    socket.unshift(seen);
    (isH2Prefix ? h2 : h1).emit('connection', socket);
    process.nextTick(() => socket.resume());
  };
  socket.on('data', route);
}

/**
 * One TCP port for HTTP/1.1 and h2c. Node's http2 server with allowHTTP1 does not serve
 * HTTP/1.1 without TLS, so each connection's first bytes decide which server gets it.
 */
export async function listenOnePort(options: OnePortServerOptions): Promise<OnePortServer> {
  let draining = false;
  const inFlight = countInFlight(options.handler);
  const handler = inFlight.handler;

  const h1 = http.createServer({ maxHeaderSize: MAX_REQUEST_HEAD_BYTES, requestTimeout: 30_000, headersTimeout: 10_000 }, handler);
  h1.on('clientError', rejectClient);
  const h2 = http2.createServer({ settings: { maxHeaderListSize: MAX_REQUEST_HEAD_BYTES } }, handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    if (draining) session.close();
  });
  const sockets = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    routeByFirstBytes(socket, h1, h2, options.firstBytesTimeoutMs ?? FIRST_BYTES_TIMEOUT_MS);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;

  return {
    port: address.port,
    async close(timeoutMs) {
      draining = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
      const idle = inFlight.idle();
      // Idle keep-alive connections close at once; busy ones once their response is out.
      const sweep = setInterval(() => h1.closeIdleConnections(), 25);
      h1.closeIdleConnections();
      const timedOut = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
      await Promise.race([idle, timedOut]);
      clearInterval(sweep);
      h1.closeIdleConnections();
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      await stopped;
    },
  };
}
