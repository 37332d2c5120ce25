import http2 from 'node:http2';
import { CLOSE_GRACE_MS, type ConnectionLimits } from './connection-limits.js';

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR, NGHTTP2_STREAM_STATE_CLOSED, NGHTTP2_STREAM_STATE_HALF_CLOSED_REMOTE } = http2.constants;

/** True once the client has sent END_STREAM: its request has arrived whole (read or not). */
function requestArrived(stream: http2.ServerHttp2Stream): boolean {
  if (stream.closed || stream.readableEnded) return true;
  const state = stream.state?.state;
  return state === NGHTTP2_STREAM_STATE_HALF_CLOSED_REMOTE || state === NGHTTP2_STREAM_STATE_CLOSED;
}

/**
 * Throws away whatever a closed stream's request still holds. Node destroys a stream closed
 * with NO_ERROR only once its readable side has been read to the end; a handler that stopped
 * reading (a message over the size limit) left it unread, and the stream, its session and
 * its socket stayed open after the client had gone (issue 13 §1).
 */
export function discardRequest(stream: http2.ServerHttp2Stream): void {
  const drain = () => {
    while (stream.read() !== null);
  };
  stream.on('readable', drain);
  drain();
}

/**
 * The answer to an HTTP/2 request the client is still sending once its response is complete
 * (e.g. a message over the size limit): RST_STREAM NO_ERROR tells it to stop (RFC 9113 8.1),
 * else it waits for flow control forever; what it already sent is discarded.
 */
export function stopRequestAfterResponse(stream: http2.ServerHttp2Stream): void {
  // After the response's trailers (the compatibility layer sends them on this same event).
  stream.once('wantTrailers', () =>
    setImmediate(() => {
      if (stream.readableEnded || stream.closed) return;
      stream.close(NGHTTP2_NO_ERROR);
      discardRequest(stream);
    }),
  );
}

/**
 * Deadlines for one HTTP/2 session, which Node does not have: its first stream within
 * `headersTimeoutMs`, each request whole (END_STREAM) within `requestTimeoutMs` or the stream
 * is reset (CANCEL), and no open stream for `idleTimeoutMs` ends the session with GOAWAY.
 * `drop` destroys the connection of a peer that does not close it after GOAWAY.
 */
export function watchSession(session: http2.ServerHttp2Session, limits: ConnectionLimits, drop: () => void): void {
  let open = 0;
  let idle: NodeJS.Timeout | undefined;
  const goAway = () => {
    session.close();
    setTimeout(drop, CLOSE_GRACE_MS).unref();
  };
  const idleFor = (ms: number) => {
    clearTimeout(idle);
    idle = setTimeout(goAway, ms).unref();
  };
  idleFor(limits.headersTimeoutMs);
  session.on('stream', (stream) => {
    open++;
    clearTimeout(idle);
    const deadline = setTimeout(() => {
      if (!requestArrived(stream)) stream.close(NGHTTP2_CANCEL);
    }, limits.requestTimeoutMs).unref();
    stream.once('end', () => clearTimeout(deadline));
    stream.once('close', () => {
      clearTimeout(deadline);
      if (--open === 0 && !session.closed && !session.destroyed) idleFor(limits.idleTimeoutMs);
    });
  });
  session.once('close', () => clearTimeout(idle));
}
