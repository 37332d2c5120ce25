import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  /** The status the receiver answered. */
  status: number;
}

/**
 * A real HTTP receiver on 127.0.0.1 that records every request. `answer` picks the status of each
 * (default 204); the receiver can be stopped and started again on the same port ("down for a while").
 */
export async function startWebhookReceiver(options: { port?: number; answer?: (n: number) => number } = {}) {
  const received: ReceivedWebhook[] = [];
  let answer = options.answer ?? (() => 204);
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const status = answer(received.length + 1);
      received.push({ headers: req.headers as Record<string, string>, body, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/hook`,
    received,
    /** Accepted deliveries, parsed. */
    accepted: () =>
      received
        .filter((r) => r.status >= 200 && r.status < 300)
        .map((r) => ({ ...(JSON.parse(r.body) as WebhookBody), id: r.headers['webhook-id']! })),
    setAnswer: (fn: (n: number) => number) => (answer = fn),
    /** Resolves once `predicate` holds of what was received (polling), or rejects after `timeoutMs`. */
    async until(predicate: (r: ReceivedWebhook[]) => boolean, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline)
          throw new Error(`receiver: condition not met in ${timeoutMs} ms; got ${JSON.stringify(received.map((r) => r.body))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface WebhookBody {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
