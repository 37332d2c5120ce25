import type { AuthFailureGuard } from '../../service/auth-failure-guard.js';
import { classifyError } from '../error-codes.js';
import type { HttpRequest, HttpResponse } from '../http-types.js';
import { methodAllowed } from '../method-guard.js';
import { sendError, sendJson } from '../plain-responses.js';
import type { RequestFactsTable } from '../request-facts.js';
import { pathOf } from '../request-url.js';
import type { PlainRoute } from './plain-route.js';

export interface PlainRouteDeps {
  routes: readonly PlainRoute[];
  onUnexpected: (err: unknown) => void;
  /** Where a matched route is noted for the request's log line and metrics. */
  facts?: RequestFactsTable;
  /** Counts refused credentials per client address, as the RPCs' interceptor does (see AuthFailureGuard). */
  authFailureGuard?: AuthFailureGuard;
  clientAddress?: (req: HttpRequest) => string | undefined;
}

/**
 * The non-RPC routes, served from the RPC adapter's fallback. Each request gets, as an RPC
 * gets from the interceptors: the method check, the auth-failure guard for routes that take
 * a credential, and its errors mapped through the one error vocabulary.
 */
export function plainRoutes(deps: PlainRouteDeps) {
  const routes = new Map(deps.routes.map((route) => [route.path, route]));
  const run = (route: PlainRoute, req: HttpRequest, res: HttpResponse) => {
    if (!deps.authFailureGuard || !route.credentialPresented) return route.serve(req, res);
    return deps.authFailureGuard.run({ address: deps.clientAddress?.(req) }, route.credentialPresented(req), (accepted) =>
      route.serve(req, res, accepted),
    );
  };
  return (req: HttpRequest, res: HttpResponse): void => {
    const path = pathOf(req.url);
    const route = routes.get(path);
    if (!route) {
      sendJson(res, 404, { error: 'not_found', message: `no such path: ${path.slice(0, 200)}` });
      return;
    }
    const facts = deps.facts?.of(req);
    if (facts) Object.assign(facts, { kind: 'http', route: path });
    if (!methodAllowed(req, res, route.methods, route.methodGuard?.(req))) return;
    void run(route, req, res).catch((err: unknown) => {
      const error = classifyError(err, deps.onUnexpected);
      if (res.headersSent) res.destroy();
      else sendError(res, error, route.errorHeaders?.(req, error));
    });
  };
}
