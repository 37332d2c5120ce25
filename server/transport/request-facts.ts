import { createContextKey, createContextValues, type ContextValues, type Interceptor } from '@connectrpc/connect';
import { Code, ConnectError } from '@connectrpc/connect';
import type { HttpRequest } from './http-types.js';
import { codeName } from './error-codes.js';
import { pathOf } from './request-url.js';

/**
 * What the transport learns about one request while serving it, for its log line and
 * metrics: which route matched, the RPC outcome, the key that was used (its id only).
 */
export interface RequestFacts {
  /** `rpc` when a Connect handler matched, `http` for a plain route; unset when nothing matched. */
  kind?: 'rpc' | 'http';
  /** The matched path without its query: `/invites_api`, `/invites.v1.InviteService/CreateInvite`. */
  route?: string;
  /** The RPC's outcome as Connect names codes (`ok`, `unauthenticated`, ...), once known. */
  code?: string;
  /** The id half of the API key that authenticated the request; never the secret. */
  keyId?: string;
}

const requestFactsKey = createContextKey<RequestFacts | undefined>(undefined, { description: 'invites request facts' });

/** The facts of each request in flight, keyed by Node's request object. */
export interface RequestFactsTable {
  start(req: HttpRequest): RequestFacts;
  of(req: HttpRequest): RequestFacts | undefined;
  /** For the RPC adapter's `contextValues`: called once a Connect handler matched. */
  contextValues(req: HttpRequest): ContextValues;
  /** The status a gRPC response ended with: the outcome of a call that failed before any handler ran. */
  noteGrpcStatus(req: HttpRequest, code: Code): void;
}

export function createRequestFactsTable(): RequestFactsTable {
  const facts = new WeakMap<HttpRequest, RequestFacts>();
  return {
    start(req) {
      const f: RequestFacts = {};
      facts.set(req, f);
      return f;
    },
    of: (req) => facts.get(req),
    contextValues(req) {
      const f = facts.get(req);
      if (f) {
        f.kind = 'rpc';
        f.route = pathOf(req.url);
      }
      return createContextValues().set(requestFactsKey, f);
    },
    noteGrpcStatus(req, code) {
      const f = facts.get(req);
      if (f && f.code === undefined && Code[code] !== undefined) f.code = codeName(code);
    },
  };
}

/** The facts of the request an RPC handler serves (undefined on transports without them, e.g. tests' in-memory router). */
export function requestFactsOf(values: ContextValues): RequestFacts | undefined {
  return values.get(requestFactsKey);
}

/** Notes the key that authenticated an RPC, for its log line. */
export function noteKeyId(values: ContextValues, keyId: string | undefined): void {
  const facts = requestFactsOf(values);
  if (facts) facts.keyId = keyId;
}

/** Records each RPC's outcome, streams included (their outcome is known when the stream ends). */
export function rpcOutcomeInterceptor(): Interceptor {
  return (next) => async (req) => {
    const facts = requestFactsOf(req.contextValues);
    const settle = (err: unknown) => {
      if (facts) facts.code = err === undefined ? 'ok' : codeName(ConnectError.from(err).code);
    };
    let res;
    try {
      res = await next(req);
    } catch (err) {
      settle(err);
      throw err;
    }
    if (!res.stream) {
      settle(undefined);
      return res;
    }
    const messages = res.message;
    return {
      ...res,
      message: (async function* () {
        let ended = false;
        try {
          yield* messages;
          ended = true;
          settle(undefined);
        } catch (err) {
          ended = true;
          settle(err);
          throw err;
        } finally {
          // Left early: the client went away.
          if (!ended && facts) facts.code = 'canceled';
        }
      })(),
    };
  };
}
