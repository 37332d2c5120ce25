import type { DescService } from '@bufbuild/protobuf';
import { MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt';
import { contentTypeRegExp as connectContentType } from '@connectrpc/connect/protocol-connect';
import { contentTypeRegExp as grpcContentType } from '@connectrpc/connect/protocol-grpc';
import { contentTypeRegExp as grpcWebContentType } from '@connectrpc/connect/protocol-grpc-web';
import type { HttpRequest, HttpResponse } from '../http-types.js';
import { sendJson } from '../plain-responses.js';

const SERVED_CONTENT_TYPES = 'application/proto or application/json (Connect), application/grpc (gRPC), application/grpc-web (gRPC-Web)';

/**
 * Answers, with a JSON message, the RPC requests Connect would refuse with a bare status and
 * no body: a method other than POST (or GET where the RPC allows it), or a Content-Type no
 * protocol serves. Returns false for every other request, which then goes to Connect.
 */
export function rpcRequestGuard(services: readonly DescService[]): (req: HttpRequest, res: HttpResponse) => boolean {
  const procedures = new Map<string, boolean>();
  for (const service of services) {
    for (const method of service.methods) {
      procedures.set(`/${service.typeName}/${method.name}`, method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS);
    }
  }
  return (req, res) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const allowsGet = procedures.get(q >= 0 ? url.slice(0, q) : url);
    if (allowsGet === undefined) return false;
    if (req.method === 'POST') {
      const type = String(req.headers['content-type'] ?? '');
      if (connectContentType.test(type) || grpcContentType.test(type) || grpcWebContentType.test(type)) return false;
      const shown = type ? `Content-Type "${type.slice(0, 100)}" is not served` : 'Content-Type is missing';
      sendJson(res, 415, { error: 'unsupported_media_type', message: `${shown}: use ${SERVED_CONTENT_TYPES}` });
      return true;
    }
    if (req.method === 'GET' && allowsGet) return false;
    const allow = allowsGet ? 'POST, GET' : 'POST';
    sendJson(res, 405, { error: 'method_not_allowed', message: `call this RPC with ${allow.replace(', ', ' or ')}` }, { allow });
    return true;
  };
}
