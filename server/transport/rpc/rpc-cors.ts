import { cors as connectCors } from '@connectrpc/connect';
import type { HttpRequest, HttpResponse } from '../http-types.js';
import { pathOf } from '../request-url.js';
import type { Procedures } from './procedures.js';

const ALLOW_METHODS = [...connectCors.allowedMethods, 'OPTIONS'].join(', ');
const ALLOW_HEADERS = [...connectCors.allowedHeaders, 'Authorization'].join(', ');
// Retry-After: a page that got UNAVAILABLE or RESOURCE_EXHAUSTED can tell when to try again.
const EXPOSE_HEADERS = [...connectCors.exposedHeaders, 'Retry-After'].join(', ');

/**
 * CORS for the RPCs, so a web page on another origin (an admin dashboard, a signup form) can
 * call them over Connect or gRPC-Web. Any origin is allowed, as on the plain API: the calls
 * authenticate with a bearer token the page sends itself, never with ambient credentials.
 * Returns true when it answered the request (a preflight).
 */
export function rpcCors(procedures: Procedures): (req: HttpRequest, res: HttpResponse) => boolean {
  return (req, res) => {
    const origin = req.headers.origin;
    if (origin === undefined) return false;
    if (!procedures.has(pathOf(req.url))) return false;
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('vary', 'Origin');
    if (req.method !== 'OPTIONS') {
      res.setHeader('access-control-expose-headers', EXPOSE_HEADERS);
      return false;
    }
    res.writeHead(204, {
      'access-control-allow-methods': ALLOW_METHODS,
      'access-control-allow-headers': ALLOW_HEADERS,
      'access-control-max-age': '7200',
      'content-length': 0,
    });
    res.end();
    return true;
  };
}
