import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type ConnectRouter } from '@connectrpc/connect';
import { Health, HealthCheckResponse_ServingStatus as ServingStatus, HealthCheckResponseSchema } from '../../../gen/health/v1/health_pb.js';
import type { HealthMonitor, HealthSnapshot } from '../../service/health-monitor.js';

const statusOf = (snapshot: HealthSnapshot) => (snapshot.serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);

/**
 * The standard gRPC health service (grpc.health.v1.Health) for the whole server ("") and
 * each of `services`. All of them need the database, so they share one status.
 */
export function grpcHealthRoutes(deps: { monitor: HealthMonitor; services: readonly string[] }) {
  const known = new Set(['', ...deps.services]);
  return (router: ConnectRouter) => {
    router.service(Health, {
      check(req) {
        if (!known.has(req.service))
          throw new ConnectError(
            `unknown service "${req.service.slice(0, 200)}": ask for "" or one of ${deps.services.join(', ')}`,
            Code.NotFound,
          );
        return { status: statusOf(deps.monitor.current()) };
      },
      async *watch(req, ctx) {
        if (!known.has(req.service)) {
          // As the protocol asks: say so, and keep the call open (the set of services never changes here).
          yield { status: ServingStatus.SERVICE_UNKNOWN };
          for await (const _ of deps.monitor.watch(ctx.signal)); // until the client leaves or the server stops
          return;
        }
        let last: ServingStatus | undefined;
        for await (const snapshot of deps.monitor.watch(ctx.signal)) {
          const status = statusOf(snapshot);
          if (status !== last) yield { status };
          last = status;
        }
      },
      list() {
        const status = statusOf(deps.monitor.current());
        return { statuses: Object.fromEntries([...known].map((name) => [name, create(HealthCheckResponseSchema, { status })])) };
      },
    });
  };
}
