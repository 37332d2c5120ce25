import type { HealthMonitor } from '../../service/health-monitor.js';
import type { HttpRequest, HttpResponse } from '../http-types.js';
import { sendJson } from '../plain-responses.js';

export const HEALTHZ_PATH = '/healthz';
export const READYZ_PATH = '/readyz';

type Route = (req: HttpRequest, res: HttpResponse) => Promise<void>;

function onlyGet(route: (res: HttpResponse) => void): Route {
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: 'method_not_allowed', message: 'use GET or HEAD' }, { allow: 'GET, HEAD' });
      return;
    }
    route(res);
  };
}

/**
 * Kubernetes-style probes. `/healthz`: the process is up and serving HTTP (no database call,
 * so a database outage does not get the process restarted). `/readyz`: the database answered
 * the last health check and has its indexes; 503 otherwise, so a load balancer sends traffic
 * elsewhere. Both carry the server version.
 */
export function probeRoutes(deps: { monitor: HealthMonitor; version: string; startedAt: Date; now: () => Date }): Array<[string, Route]> {
  return [
    [
      HEALTHZ_PATH,
      onlyGet((res) => {
        const uptimeSeconds = Math.floor((deps.now().getTime() - deps.startedAt.getTime()) / 1000);
        sendJson(res, 200, { status: 'ok', version: deps.version, uptimeSeconds });
      }),
    ],
    [
      READYZ_PATH,
      onlyGet((res) => {
        const s = deps.monitor.current();
        sendJson(res, s.serving ? 200 : 503, {
          status: s.serving ? 'ready' : 'not_ready',
          version: deps.version,
          ...(s.problem ? { problem: s.problem } : {}),
          database: { reachable: s.databaseReachable, roundTripMs: s.roundTripMs ?? null, checkedAt: s.checkedAt?.toISOString() ?? null },
          indexes: { ready: s.databaseReachable && s.missingIndexes.length === 0, missing: s.missingIndexes },
        });
      }),
    ],
  ];
}
