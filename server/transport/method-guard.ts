import type { OutgoingHttpHeaders } from 'node:http';
import type { HttpRequest, HttpResponse } from './http-types.js';
import { sendJson } from './plain-responses.js';

export interface MethodGuardOptions {
  /** What the 405 says; default `use GET or HEAD` from the allowed methods. */
  message?: string;
  headers?: OutgoingHttpHeaders;
  /** Answers the 405 itself (e.g. as an HTML page); gets the Allow value. */
  refuse?: (res: HttpResponse, allow: string) => void;
}

/** The one method check: true when the request's method is allowed, else it answers 405 with Allow. */
export function methodAllowed(req: HttpRequest, res: HttpResponse, allowed: readonly string[], options: MethodGuardOptions = {}): boolean {
  if (allowed.includes(req.method ?? '')) return true;
  const allow = allowed.join(', ');
  if (options.refuse) {
    options.refuse(res, allow);
    return false;
  }
  const message = options.message ?? `use ${allowed.filter((m) => m !== 'OPTIONS').join(' or ')}`;
  sendJson(res, 405, { error: 'method_not_allowed', message }, { ...options.headers, allow });
  return false;
}
