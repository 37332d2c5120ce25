import { Code, ConnectError, createConnectRouter, type ConnectRouter, type ContextValues, type Interceptor } from '@connectrpc/connect';
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from '@connectrpc/connect-node';
import type { UniversalHandler } from '@connectrpc/connect/protocol';
import type { HttpRequest, HttpResponse } from '../http-types.js';
import { pathOf } from '../request-url.js';
import { afterBody, reportUnparsableMessagesAsInvalid } from './unparsable-messages.js';

export interface RpcAdapterOptions {
  routes: (router: ConnectRouter) => void;
  interceptors: Interceptor[];
  /** Largest request message accepted; larger ones get RESOURCE_EXHAUSTED. */
  readMaxBytes: number;
  contextValues: (req: HttpRequest) => ContextValues;
  /** Requests for no RPC. */
  fallback: (req: HttpRequest, res: HttpResponse) => void;
  /** The gRPC status a gRPC response ended with, also for calls that failed before any handler ran. */
  onGrpcStatus: (req: HttpRequest, code: Code) => void;
  onUnexpected: (err: unknown) => void;
}

/**
 * connectNodeAdapter, built from the pieces connect-node exports for framework adapters, so
 * the universal response can be looked at between Connect's handler and Node's response
 * (instead of patching Node's response object).
 */
export function rpcAdapter(options: RpcAdapterOptions): (req: HttpRequest, res: HttpResponse) => void {
  const router = createConnectRouter({
    interceptors: options.interceptors,
    readMaxBytes: options.readMaxBytes,
    acceptCompression: [compressionGzip, compressionBrotli],
  });
  options.routes(router);
  const handlers = new Map<string, UniversalHandler>(router.handlers.map((h) => [h.requestPath, h]));
  return (req, res) => {
    const handler = handlers.get(pathOf(req.url));
    if (!handler) return options.fallback(req, res);
    const contentType = req.headers['content-type'] ?? null;
    const grpc = contentType?.startsWith('application/grpc') ?? false;
    handler(universalRequestFromNodeRequest(req, res, undefined, options.contextValues(req)))
      .then((uRes) => reportUnparsableMessagesAsInvalid(contentType, uRes))
      .then((uRes) => {
        if (!grpc || !uRes.trailer) return uRes;
        const trailer = uRes.trailer;
        return afterBody(uRes, () => options.onGrpcStatus(req, Number(trailer.get('grpc-status') ?? Code.Unknown) as Code));
      })
      .then((uRes) => universalResponseToNodeResponse(uRes, res))
      .catch((err: unknown) => {
        if (ConnectError.from(err).code !== Code.Aborted) options.onUnexpected(err);
      });
  };
}
