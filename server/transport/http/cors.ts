import type { OutgoingHttpHeaders } from 'node:http';
import type { HttpRequest } from '../http-types.js';

/**
 * CORS for the plain API, so a web page or bookmarklet on any origin can mint an invite.
 * The Origin is echoed (not `*`) when present so credentialed fetches work too.
 */
export function corsHeaders(req: HttpRequest): OutgoingHttpHeaders {
  const origin = req.headers.origin;
  return {
    'access-control-allow-origin': origin ?? '*',
    ...(origin ? { vary: 'Origin' } : {}),
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': 'Content-Type, Authorization',
    'access-control-max-age': '7200',
    'access-control-expose-headers': 'Location',
  };
}
