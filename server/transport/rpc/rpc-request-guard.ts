import { contentTypeRegExp as connectContentType } from '@connectrpc/connect/protocol-connect';
import { contentTypeRegExp as grpcContentType } from '@connectrpc/connect/protocol-grpc';
import { contentTypeRegExp as grpcWebContentType } from '@connectrpc/connect/protocol-grpc-web';
import type { HttpRequest, HttpResponse } from '../http-types.js';
import { methodAllowed } from '../method-guard.js';
import { sendJson } from '../plain-responses.js';
import { pathOf } from '../request-url.js';
import type { Procedures } from './procedures.js';

const SERVED_CONTENT_TYPES = 'application/proto or application/json (Connect), application/grpc (gRPC), application/grpc-web (gRPC-Web)';

/**
 * Answers, with a JSON message, the RPC requests Connect would refuse with a bare status and
 * no body: a method other than POST (or GET where the RPC allows it), or a Content-Type no
 * protocol serves. Returns false for every other request, which then goes to Connect.
 */
export function rpcRequestGuard(procedures: Procedures): (req: HttpRequest, res: HttpResponse) => boolean {
  return (req, res) => {
    const allowsGet = procedures.allowsGet(pathOf(req.url));
    if (allowsGet === undefined) return false;
    const allowed = allowsGet ? ['POST', 'GET'] : ['POST'];
    if (!methodAllowed(req, res, allowed, { message: `call this RPC with ${allowed.join(' or ')}` })) return true;
    if (req.method === 'GET') return false;
    const type = String(req.headers['content-type'] ?? '');
    if (connectContentType.test(type) || grpcContentType.test(type) || grpcWebContentType.test(type)) return false;
    const shown = type ? `Content-Type "${type.slice(0, 100)}" is not served` : 'Content-Type is missing';
    sendJson(res, 415, { error: 'unsupported_media_type', message: `${shown}: use ${SERVED_CONTENT_TYPES}` });
    return true;
  };
}
