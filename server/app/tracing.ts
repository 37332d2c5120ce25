import { AsyncLocalStorage } from 'node:async_hooks';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions';
import { Code } from '@connectrpc/connect';
import type { HttpRequest } from '../transport/http-types.js';
import { codeName } from '../transport/error-codes.js';

/** What a request's server span records when the response ends. No URL, query or header: they may hold secrets. */
export interface RequestOutcome {
  /** `GET`, `POST`... or `_OTHER`. */
  method: string;
  /** The route template (`/invites_api`, `/invites.v1.InviteService/CreateInvite`); undefined when none matched. */
  route: string | undefined;
  kind: 'rpc' | 'http' | undefined;
  protocol: string;
  status: number;
  /** The RPC's code as Connect names it (`ok`, `unauthenticated`...). */
  code: string | undefined;
  keyId: string | undefined;
}

export interface RequestSpan {
  readonly traceId: string;
  /** Serves the request inside the span's context: database spans become its children. */
  run(serve: () => void): void;
  end(outcome: RequestOutcome): void;
}

/** One app's tracing: its tracer and the context of the request being served. Absent when tracing is off. */
export interface Tracing {
  readonly tracer: Tracer;
  startRequest(req: HttpRequest): RequestSpan;
  /** The context of the request whose work is running now; undefined outside requests (background work). */
  activeContext(): Context | undefined;
}

const propagator = new W3CTraceContextPropagator();
const headerGetter = {
  keys: (headers: HttpRequest['headers']) => Object.keys(headers),
  get: (headers: HttpRequest['headers'], key: string) => headers[key],
};

/** Connect code names → numbers, for `rpc.grpc.status_code`. */
const CODE_OF_NAME = new Map<string, number>(
  Object.values(Code)
    .filter((c): c is Code => typeof c === 'number')
    .map((c) => [codeName(c), c]),
);
CODE_OF_NAME.set('ok', 0);

/** Codes that are the server's fault (OpenTelemetry's gRPC server span conventions). */
const SERVER_ERROR_CODES = new Set(['unknown', 'deadline_exceeded', 'unimplemented', 'internal', 'unavailable', 'data_loss']);

function rpcAttributes(outcome: RequestOutcome): Record<string, string | number> {
  const [, service = '', method = ''] = (outcome.route ?? '').split('/');
  const grpc = outcome.protocol === 'grpc' || outcome.protocol === 'grpc-web';
  const attributes: Record<string, string | number> = {
    'rpc.system': grpc ? 'grpc' : 'connect_rpc',
    'rpc.service': service,
    'rpc.method': method,
  };
  if (outcome.code === undefined) return attributes;
  attributes['invites.rpc.code'] = outcome.code;
  if (grpc) attributes['rpc.grpc.status_code'] = CODE_OF_NAME.get(outcome.code) ?? Code.Unknown;
  else if (outcome.code !== 'ok') attributes['rpc.connect_rpc.error_code'] = outcome.code;
  return attributes;
}

function endRequestSpan(span: Span, outcome: RequestOutcome): void {
  const rpc = outcome.kind === 'rpc';
  span.updateName(rpc && outcome.route ? outcome.route.slice(1) : outcome.route ? `${outcome.method} ${outcome.route}` : outcome.method);
  span.setAttributes({
    [ATTR_HTTP_REQUEST_METHOD]: outcome.method,
    [ATTR_HTTP_RESPONSE_STATUS_CODE]: outcome.status,
    'invites.protocol': outcome.protocol,
    ...(outcome.route !== undefined ? { [ATTR_HTTP_ROUTE]: outcome.route } : {}),
    ...(rpc ? rpcAttributes(outcome) : {}),
    ...(outcome.keyId !== undefined ? { 'invites.key.id': outcome.keyId } : {}),
  });
  if (outcome.status >= 500 || (outcome.code !== undefined && SERVER_ERROR_CODES.has(outcome.code))) {
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * Tracing over `provider`, with no global state: the active request is kept in this app's own
 * AsyncLocalStorage (not OpenTelemetry's global context manager), so several servers in one
 * process (tests) each trace their own requests.
 */
export function createTracing(provider: TracerProvider, version: string): Tracing {
  const tracer = provider.getTracer('invites', version);
  const active = new AsyncLocalStorage<Context>();
  return {
    tracer,
    activeContext: () => active.getStore(),
    startRequest(req) {
      const parent = propagator.extract(ROOT_CONTEXT, req.headers, headerGetter);
      const span = tracer.startSpan(req.method ?? 'request', { kind: SpanKind.SERVER }, parent);
      const ctx = trace.setSpan(parent, span);
      return {
        traceId: span.spanContext().traceId,
        run: (serve) => active.run(ctx, serve),
        end: (outcome) => endRequestSpan(span, outcome),
      };
    },
  };
}
