import { invitesApiRoute, INVITES_API_PATH } from './invites-api-route.js';
import type { HttpRequest, HttpResponse } from './http-types.js';
import type { InviteService } from '../service/invite-service.js';
import { landingPageRoute, LANDING_PAGE_PATH } from './landing-page-route.js';
import type { AuthFailureGuard } from '../service/auth-failure-guard.js';
import { sendJson } from './plain-responses.js';
import type { RequestFactsTable } from './request-facts.js';

export interface PlainRouteDeps {
  invites: InviteService;
  onUnexpected: (err: unknown) => void;
  /** Where a matched route is noted for the request's log line and metrics. */
  facts?: RequestFactsTable;
  /** Probes, metrics: routes that serve operators rather than users. */
  operationalRoutes?: ReadonlyArray<readonly [string, (req: HttpRequest, res: HttpResponse) => Promise<void>]>;
  /** Counts refused credentials per client address (see AuthFailureGuard). */
  authFailureGuard?: AuthFailureGuard;
  clientAddress?: (req: HttpRequest) => string | undefined;
}

function pathOf(url: string | undefined): string {
  const q = url?.indexOf('?') ?? -1;
  return q >= 0 ? url!.slice(0, q) : url ?? '/';
}

/** The non-RPC routes, served from the Connect adapter's fallback. */
export function plainRoutes(deps: PlainRouteDeps) {
  const routes = new Map<string, (req: HttpRequest, res: HttpResponse) => Promise<void>>([
    [INVITES_API_PATH, invitesApiRoute(deps)],
    [LANDING_PAGE_PATH, landingPageRoute(deps)],
  ]);
  for (const [path, route] of deps.operationalRoutes ?? []) routes.set(path, route);
  return (req: HttpRequest, res: HttpResponse): void => {
    const route = routes.get(pathOf(req.url));
    const facts = deps.facts?.of(req);
    if (route && facts) Object.assign(facts, { kind: 'http', route: pathOf(req.url) });
    if (!route) {
      sendJson(res, 404, { error: 'not_found', message: `no such path: ${pathOf(req.url).slice(0, 200)}` });
      return;
    }
    void route(req, res).catch((err) => {
      deps.onUnexpected(err);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal', message: 'internal error: the server logged the details' });
      else res.destroy();
    });
  };
}
