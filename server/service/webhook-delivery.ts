/** One attempt to deliver one event: a signed POST, its answer or why there was none. */
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { DeliveryRecord } from '../domain/webhook.js';
import { nonPublicRange, PrivateAddressRefused, publicOnlyLookup } from './webhook-address-guard.js';
import { signWebhook } from './webhook-secret.js';

export interface AttemptResult {
  ok: boolean;
  /** 0 when no HTTP answer came. */
  status: number;
  error: string;
}

/** At most this much of an answer is read (it is only drained). */
const MAX_ANSWER_BYTES = 64 * 1024;

/** The Standard Webhooks body: `type`, `timestamp` (of the change) and `data`. */
export function deliveryBody(d: Pick<DeliveryRecord, 'type' | 'at' | 'host' | 'data'>): string {
  return JSON.stringify({ type: d.type, timestamp: d.at.toISOString(), data: { host: d.host, ...d.data } });
}

export async function attemptDelivery(
  d: DeliveryRecord,
  target: { url: string; secret: string },
  options: { timeoutMs: number; allowPrivateAddresses: boolean; userAgent: string; stopping?: AbortSignal },
): Promise<AttemptResult> {
  const url = new URL(target.url);
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (!options.allowPrivateAddresses && isIP(literal)) {
    const range = nonPublicRange(literal);
    if (range) return { ok: false, status: 0, error: new PrivateAddressRefused(literal, literal, range).message };
  }
  const body = deliveryBody(d);
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = {
    'content-type': 'application/json',
    'user-agent': options.userAgent,
    'webhook-id': d.messageId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(target.secret, d.messageId, timestamp, body),
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<AttemptResult>((resolve) => {
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        signal: options.stopping
          ? AbortSignal.any([AbortSignal.timeout(options.timeoutMs), options.stopping])
          : AbortSignal.timeout(options.timeoutMs),
        // No pooled connection: each attempt connects (and is checked) anew.
        agent: false,
        ...(options.allowPrivateAddresses ? {} : { lookup: publicOnlyLookup() }),
      },
      (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) res.destroy();
        });
        const status = res.statusCode ?? 0;
        const done = () =>
          resolve({ ok: status >= 200 && status < 300, status, error: status >= 200 && status < 300 ? '' : `HTTP ${status}` });
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      },
    );
    req.on('error', (err: Error & { code?: string }) => {
      const reason = options.stopping?.aborted
        ? 'the server stopped during the attempt'
        : err.name === 'TimeoutError' || err.name === 'AbortError'
          ? `no answer within ${options.timeoutMs} ms`
          : err instanceof PrivateAddressRefused || (err as { cause?: unknown }).cause instanceof PrivateAddressRefused
            ? err.message
            : `${err.code ?? err.name}: ${err.message}`;
      resolve({ ok: false, status: 0, error: reason });
    });
    req.end(body);
  });
}
