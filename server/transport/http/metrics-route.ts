import type { PlainRoute } from './plain-route.js';

export const METRICS_PATH = '/metrics';

/** Prometheus' scrape endpoint; `render` produces the exposition text. */
export function metricsRoute(render: () => Promise<{ contentType: string; text: string }>): PlainRoute {
  return {
    path: METRICS_PATH,
    methods: ['GET', 'HEAD'],
    methodGuard: () => ({ message: 'use GET' }),
    async serve(_req, res) {
      const { contentType, text } = await render();
      res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
      res.end(text);
    },
  };
}
