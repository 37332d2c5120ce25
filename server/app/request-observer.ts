import { codeFromHttpStatus } from '@connectrpc/connect/protocol-connect';
import type { HttpRequest, HttpResponse } from '../transport/http-types.js';
import { codeName } from '../transport/error-codes.js';
import type { RequestFacts, RequestFactsTable } from '../transport/request-facts.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { Tracing } from './tracing.js';

export interface RequestObserverDeps {
  logger: Logger;
  metrics: Metrics;
  facts: RequestFactsTable;
  /** Unset: tracing is off, and no span is made. */
  tracing?: Tracing;
}

const UNMATCHED = '(unmatched)';
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

function protocolOf(req: HttpRequest, facts: RequestFacts): string {
  if (facts.kind !== 'rpc') return 'http';
  const type = String(req.headers['content-type'] ?? '');
  if (type.startsWith('application/grpc-web')) return 'grpc-web';
  if (type.startsWith('application/grpc')) return 'grpc';
  return 'connect';
}

function rpcCodeOf(facts: RequestFacts, res: HttpResponse, finished: boolean): string {
  if (facts.code !== undefined) return facts.code;
  if (!finished) return 'canceled';
  return res.statusCode === 200 ? 'unknown' : codeName(codeFromHttpStatus(res.statusCode));
}

/**
 * Wraps the server's handler: one log line and the request metrics per request, written when
 * the response ends (or the client goes away). The route is the matched path without its
 * query (which may hold a key); the key appears only as its id.
 */
export function observeRequests(deps: RequestObserverDeps, handler: (req: HttpRequest, res: HttpResponse) => void) {
  const { logger, metrics } = deps;
  return (req: HttpRequest, res: HttpResponse): void => {
    const started = process.hrtime.bigint();
    const facts = deps.facts.start(req);
    const span = deps.tracing?.startRequest(req);
    let observed = false;
    /** `finished`: the response was sent in full; false when the connection or stream closed first. */
    const observe = (finished: boolean) => {
      if (observed) return;
      observed = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const method = KNOWN_METHODS.has(req.method ?? '') ? req.method! : 'other';
      const status = res.statusCode;
      const route = facts.route ?? UNMATCHED;
      const protocol = protocolOf(req, facts);
      let code: string | undefined;
      if (facts.kind === 'rpc') {
        code = rpcCodeOf(facts, res, finished);
        const [, service = '', rpc = ''] = route.split('/');
        metrics.rpcRequests.inc({ service, method: rpc, code });
        metrics.rpcDuration.observe({ service, method: rpc }, seconds);
      } else {
        metrics.httpRequests.inc({ route, method, status: String(status) });
        metrics.httpDuration.observe({ route, method }, seconds);
      }
      span?.end({
        method: KNOWN_METHODS.has(method) ? method : '_OTHER',
        route: facts.route,
        kind: facts.kind,
        protocol,
        status,
        code,
        keyId: facts.keyId,
      });
      logger.info(
        {
          method: req.method,
          route,
          protocol,
          status,
          ...(code !== undefined ? { code } : {}),
          ms: Math.round(seconds * 1e5) / 100,
          ...(facts.keyId !== undefined ? { keyId: facts.keyId } : {}),
          ...(span ? { traceId: span.traceId } : {}),
        },
        'request',
      );
    };
    // HTTP/2 emits 'finish' even for a stream the client reset; its RST code tells them apart.
    res.once('finish', () => observe(!('stream' in res && (res.stream.rstCode ?? 0) > 0)));
    res.once('close', () => observe(false));
    if (span) span.run(() => handler(req, res));
    else handler(req, res);
  };
}
