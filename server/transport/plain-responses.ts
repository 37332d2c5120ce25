import type { OutgoingHttpHeaders } from 'node:http';
import type { ClassifiedError } from './error-codes.js';
import { httpStatusOf } from './error-codes.js';
import type { HttpResponse } from './http-types.js';

export function sendJson(res: HttpResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** Error responses carry `{"error": "<code>", "message": "<what to do>"}`. */
export function sendError(res: HttpResponse, error: ClassifiedError, headers: OutgoingHttpHeaders = {}): void {
  const extra: OutgoingHttpHeaders = { ...headers };
  if (error.retryAfterSeconds !== undefined) extra['retry-after'] = String(error.retryAfterSeconds);
  sendJson(res, httpStatusOf(error.code), { error: error.reason, message: error.message }, extra);
}
