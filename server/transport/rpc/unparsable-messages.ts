import type { UniversalServerResponse } from '@connectrpc/connect/protocol';
import { createAsyncIterable, readAllBytes } from '@connectrpc/connect/protocol';

// connect-es answers a binary request message it cannot parse with INTERNAL ("parse binary:
// ..."), and an unparsable JSON one with INVALID_ARGUMENT. A malformed request is the
// client's mistake, and a client, a proxy or an alert must not take it for a server fault
// (500), so both are made INVALID_ARGUMENT (400). Only error responses are touched.

const BINARY_REQUEST = /^application\/(?:proto|connect\+proto|grpc(?:\+proto)?)$/i;
const PARSE_FAILURE = /^parse binary: /;
const MAX_ERROR_BODY_BYTES = 64 * 1024;

const clearer = (original: string) =>
  `the request body is not a valid protobuf message for this RPC (${original.replace(PARSE_FAILURE, '')})`;

/** gRPC: the status travels in trailers (rewritten in place: they are read once the body has ended). */
export function rewriteGrpcStatus(headers: Headers | undefined): void {
  if (headers?.get('grpc-status') !== '13') return;
  const message = decodeURIComponent(headers.get('grpc-message') ?? '');
  if (!PARSE_FAILURE.test(message)) return;
  headers.set('grpc-status', '3');
  headers.set('grpc-message', encodeURIComponent(clearer(message)));
}

/** Connect unary: the error is a JSON body with status 500. */
async function rewriteConnectError(res: UniversalServerResponse): Promise<UniversalServerResponse> {
  if (res.status !== 500 || !res.body) return res;
  const bytes = await readAllBytes(res.body, MAX_ERROR_BODY_BYTES);
  try {
    const error = JSON.parse(new TextDecoder().decode(bytes)) as { code?: string; message?: string };
    if (error.code === 'internal' && PARSE_FAILURE.test(error.message ?? '')) {
      const body = new TextEncoder().encode(JSON.stringify({ code: 'invalid_argument', message: clearer(error.message!) }));
      res.header?.set('content-length', String(body.byteLength));
      return { ...res, status: 400, body: createAsyncIterable([body]) };
    }
  } catch {
    // Not JSON (e.g. compressed): pass it on as it is.
  }
  return { ...res, body: createAsyncIterable([bytes]) };
}

/** The response to a request of `contentType`, with an unparsable binary message reported as INVALID_ARGUMENT. */
export async function reportUnparsableMessagesAsInvalid(
  contentType: string | null,
  res: UniversalServerResponse,
): Promise<UniversalServerResponse> {
  if (!BINARY_REQUEST.test(contentType ?? '')) return res;
  if (res.trailer) return afterBody(res, () => rewriteGrpcStatus(res.trailer));
  return rewriteConnectError(res);
}

/** The same response, calling `onEnd` once its body has been read to the end (before trailers are sent). */
export function afterBody(res: UniversalServerResponse, onEnd: () => void): UniversalServerResponse {
  const body = res.body;
  if (!body) {
    onEnd();
    return res;
  }
  return {
    ...res,
    body: (async function* () {
      yield* body;
      onEnd();
    })(),
  };
}
