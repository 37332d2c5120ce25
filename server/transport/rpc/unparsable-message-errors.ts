import type { HttpRequest, HttpResponse } from '../http-types.js';

// connect-es answers a binary request message it cannot parse with INTERNAL ("parse binary:
// ..."), and an unparsable JSON one with INVALID_ARGUMENT. A malformed request is the
// client's mistake, and a client, a proxy or an alert must not take it for a server fault
// (500), so both are made INVALID_ARGUMENT (400). Only error responses are touched.

const BINARY_REQUEST = /^application\/(?:proto|connect\+proto|grpc(?:\+proto)?)$/i;
const PARSE_FAILURE = /^parse binary: /;

const clearer = (original: string) => `the request body is not a valid protobuf message for this RPC (${original.replace(PARSE_FAILURE, '')})`;

type Headers = Record<string, string | string[] | number | undefined>;

/** Rewrites the response of `req` if Connect reports its message as unparsable. */
export function reportUnparsableMessagesAsInvalid(req: HttpRequest, res: HttpResponse): void {
  if (!BINARY_REQUEST.test(String(req.headers['content-type'] ?? ''))) return;
  const r = res as unknown as {
    writeHead(status: number, headers?: Headers): unknown;
    write(chunk: unknown, ...rest: unknown[]): boolean;
    end(...args: unknown[]): unknown;
    addTrailers(trailers: Headers): void;
  };
  const { writeHead, write, end, addTrailers } = r;

  // gRPC: the status travels in trailers (or in the headers of a trailers-only response).
  const rewriteGrpc = (h: Headers | undefined) => {
    if (!h || String(h['grpc-status']) !== '13') return h;
    const message = decodeURIComponent(String(h['grpc-message'] ?? ''));
    if (!PARSE_FAILURE.test(message)) return h;
    return { ...h, 'grpc-status': '3', 'grpc-message': encodeURIComponent(clearer(message)) };
  };
  r.addTrailers = (trailers) => addTrailers.call(res, rewriteGrpc(trailers)!);

  let holding = false;
  r.writeHead = (status, headers) => {
    // Connect writes the head again when it sees headersSent still false: keep the first.
    if (holding) return res;
    if (status !== 500) return writeHead.call(res, status, rewriteGrpc(headers));
    // Connect unary: the error is a JSON body; hold it until it is complete.
    holding = true;
    const chunks: Buffer[] = [];
    r.write = (chunk, ...rest) => {
      chunks.push(Buffer.from(chunk as Uint8Array));
      const callback = rest.find((a) => typeof a === 'function') as (() => void) | undefined;
      if (callback) queueMicrotask(callback);
      return true;
    };
    r.end = (...args) => {
      if (args[0] && typeof args[0] !== 'function') chunks.push(Buffer.from(args[0] as Uint8Array));
      let body = Buffer.concat(chunks);
      let code = status;
      try {
        const error = JSON.parse(body.toString('utf8')) as { code?: string; message?: string };
        if (error.code === 'internal' && PARSE_FAILURE.test(error.message ?? '')) {
          body = Buffer.from(JSON.stringify({ code: 'invalid_argument', message: clearer(error.message!) }));
          code = 400;
        }
      } catch {
        // Not JSON: pass it on as it is.
      }
      const rest = { ...headers };
      for (const name of Object.keys(rest)) if (name.toLowerCase() === 'content-length') delete rest[name];
      writeHead.call(res, code, { ...rest, 'content-length': body.length });
      if (body.length) write.call(res, body);
      return end.call(res, ...args.filter((a) => typeof a === 'function'));
    };
    return res;
  };
}
