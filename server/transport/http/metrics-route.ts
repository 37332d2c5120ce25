import type { HttpRequest, HttpResponse } from '../http-types.js';
import { sendJson } from '../plain-responses.js';

export const METRICS_PATH = '/metrics';

/** Prometheus' scrape endpoint; `render` produces the exposition text. */
export function metricsRoute(render: () => Promise<{ contentType: string; text: string }>) {
  return async (req: HttpRequest, res: HttpResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: 'method_not_allowed', message: 'use GET' }, { allow: 'GET, HEAD' });
      return;
    }
    const { contentType, text } = await render();
    res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
    res.end(text);
  };
}
