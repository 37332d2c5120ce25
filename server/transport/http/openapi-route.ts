import { createHash } from 'node:crypto';
import type { PlainRoute } from './plain-route.js';

export const OPENAPI_ROUTE_PATH = '/openapi.json';

/**
 * The OpenAPI document of this API (openapi/openapi.json), for tools that do not speak
 * protobuf. Public and the same for every caller, so caches may keep it; the ETag lets them
 * revalidate after an upgrade.
 */
export function openApiRoute(document: string): PlainRoute {
  const body = Buffer.from(document);
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  const headers = { 'content-type': 'application/json', 'cache-control': 'public, max-age=300', etag };
  return {
    path: OPENAPI_ROUTE_PATH,
    methods: ['GET', 'HEAD'],
    methodGuard: () => ({ message: 'use GET' }),
    async serve(req, res) {
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      res.writeHead(200, { ...headers, 'content-length': body.length });
      if (req.method === 'HEAD') res.end();
      else res.end(body);
    },
  };
}
