import type { HealthMonitor } from '../../service/health-monitor.js';
import type { HttpResponse } from '../http-types.js';
import { sendJson } from '../plain-responses.js';
import type { PlainRoute } from './plain-route.js';

export const HEALTHZ_PATH = '/healthz';
export const READYZ_PATH = '/readyz';

function probe(path: string, answer: (res: HttpResponse) => void): PlainRoute {
  return { path, methods: ['GET', 'HEAD'], serve: async (_req, res) => answer(res) };
}

/**
 * Kubernetes-style probes. `/healthz`: the process is up and serving HTTP (no database call,
 * so a database outage does not get the process restarted). `/readyz`: the database answered
 * the last health check and has its indexes; 503 otherwise, so a load balancer sends traffic
 * elsewhere. Both carry the server version.
 */
export function probeRoutes(deps: { monitor: HealthMonitor; version: string; startedAt: Date; now: () => Date }): PlainRoute[] {
  return [
    probe(HEALTHZ_PATH, (res) => {
      const uptimeSeconds = Math.floor((deps.now().getTime() - deps.startedAt.getTime()) / 1000);
      sendJson(res, 200, { status: 'ok', version: deps.version, uptimeSeconds });
    }),
    probe(READYZ_PATH, (res) => {
      const s = deps.monitor.current();
      sendJson(res, s.serving ? 200 : 503, {
        status: s.serving ? 'ready' : 'not_ready',
        version: deps.version,
        ...(s.problem ? { problem: s.problem } : {}),
        database: { reachable: s.databaseReachable, roundTripMs: s.roundTripMs ?? null, checkedAt: s.checkedAt?.toISOString() ?? null },
        indexes: { ready: s.databaseReachable && s.missingIndexes.length === 0, missing: s.missingIndexes },
      });
    }),
  ];
}
