import type { OutgoingHttpHeaders } from 'node:http';
import type { ClassifiedError } from '../error-codes.js';
import type { HttpRequest, HttpResponse } from '../http-types.js';
import type { MethodGuardOptions } from '../method-guard.js';

/** A non-RPC route. What it throws is answered as a JSON error by the dispatcher (plain-routes). */
export interface PlainRoute {
  path: string;
  /** The methods it serves; any other gets 405 with Allow. */
  methods: readonly string[];
  /** How a wrong method is answered; default a JSON message. */
  methodGuard?(req: HttpRequest): MethodGuardOptions;
  /** `accepted`: the auth-failure guard's callback, for the credential a route reads (see credentialPresented). */
  serve(req: HttpRequest, res: HttpResponse, accepted?: () => void): Promise<void>;
  /** Set for routes that take a credential: whether the request presents one (for the auth-failure guard). */
  credentialPresented?(req: HttpRequest): boolean;
  /** Headers added to the route's error responses. */
  errorHeaders?(req: HttpRequest, error: ClassifiedError): OutgoingHttpHeaders;
}
