import autocannon from 'autocannon';
import type { LoadResult } from './load.js';

export interface AutocannonRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** The status every response must have (default: any 2xx). */
  expectStatus?: number;
}

/**
 * A fixed number of HTTP/1.1 requests with autocannon (or as many as `{ seconds }` allow). Its run
 * ends on its 1 s sampling tick, so the rate is taken from the first request to the last
 * response, timed here.
 */
export async function autocannonLoad(
  request: AutocannonRequest,
  connections: number,
  amount: number | { seconds: number },
): Promise<LoadResult> {
  let lastResponse = 0;
  const started = performance.now();
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: request.url,
        method: request.method ?? 'GET',
        headers: request.headers ?? {},
        body: request.body,
        connections,
        ...(typeof amount === 'number' ? { amount } : { duration: amount.seconds }),
        timeout: 10,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    instance.on('response', () => (lastResponse = performance.now()));
  });
  const seconds = (lastResponse - started) / 1000;
  const requests = typeof amount === 'number' ? amount : r.requests.total;
  const expected = request.expectStatus;
  const unexpected = expected === undefined ? r.non2xx : requests - (r.statusCodeStats?.[String(expected) as '200']?.count ?? 0);
  return {
    requests,
    errors: r.errors + r.timeouts + unexpected,
    seconds,
    rps: requests / seconds,
    p50: r.latency.p50,
    p99: r.latency.p99,
  };
}
