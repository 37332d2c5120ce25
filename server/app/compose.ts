import type { ConnectRouter, Interceptor } from '@connectrpc/connect';
import { InviteService as InviteServiceDesc } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin as KeyAdminDesc } from '../../gen/invites/v1/key_admin_pb.js';
import { Health } from '../../gen/health/v1/health_pb.js';
import type { Config } from '../config/config.js';
import type { HealthMonitor } from '../service/health-monitor.js';
import { CLIENT_ADDRESS, clientAddressOf } from '../transport/client-address.js';
import type { HttpRequest, HttpResponse } from '../transport/http-types.js';
import { invitesApiRoute } from '../transport/http/invites-api-route.js';
import { landingPageRoute } from '../transport/http/landing-page-route.js';
import { metricsRoute } from '../transport/http/metrics-route.js';
import { openApiRoute } from '../transport/http/openapi-route.js';
import type { PlainRoute } from '../transport/http/plain-route.js';
import { plainRoutes } from '../transport/http/plain-routes.js';
import { probeRoutes } from '../transport/http/probe-routes.js';
import { createRequestFactsTable, rpcOutcomeInterceptor, type RequestFactsTable } from '../transport/request-facts.js';
import { connectRoutes } from '../transport/rpc/connect-routes.js';
import { grpcHealthRoutes } from '../transport/rpc/grpc-health-routes.js';
import { authFailureInterceptor, errorMappingInterceptor } from '../transport/rpc/interceptors.js';
import { procedures } from '../transport/rpc/procedures.js';
import { reflectionRoutes } from '../transport/rpc/reflection-routes.js';
import { rpcAdapter } from '../transport/rpc/rpc-adapter.js';
import { rpcCors } from '../transport/rpc/rpc-cors.js';
import { rpcRequestGuard } from '../transport/rpc/rpc-request-guard.js';
import type { Services } from './build-services.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { readOpenApiDocument } from './openapi-document.js';
import { observeRequests } from './request-observer.js';
import type { Tracing } from './tracing.js';

/** The services this server exists for: what reflection lists and gRPC health reports on, besides "". */
export const SERVED_SERVICES = [InviteServiceDesc, KeyAdminDesc];
/** Every service with RPCs a browser or a client may call (reflection is for tools). */
const CALLABLE_SERVICES = [...SERVED_SERVICES, Health];
/** Largest RPC request message accepted; larger ones get RESOURCE_EXHAUSTED. */
export const MAX_RPC_MESSAGE_BYTES = 64 * 1024;

export type RouteServices = Pick<Services, 'invites' | 'keyAdmin' | 'audit' | 'webhooks' | 'authFailureGuard'>;

export interface RpcComposition {
  routes: (router: ConnectRouter) => void;
  interceptors: Interceptor[];
}

/** The Connect routes and interceptors, as the server serves them (the service-tier tests serve the same in memory). */
export function composeRpc(deps: {
  services: RouteServices;
  monitor: HealthMonitor;
  onUnexpected: (err: unknown) => void;
}): RpcComposition {
  const { services } = deps;
  return {
    routes: (router) => {
      connectRoutes(services)(router);
      grpcHealthRoutes({ monitor: deps.monitor, services: SERVED_SERVICES.map((s) => s.typeName) })(router);
      reflectionRoutes(CALLABLE_SERVICES)(router);
    },
    interceptors: [rpcOutcomeInterceptor(), errorMappingInterceptor(deps.onUnexpected), authFailureInterceptor(services.authFailureGuard)],
  };
}

export interface ServerComposition {
  services: RouteServices;
  config: Pick<Config, 'trustedProxies' | 'metricsEnabled' | 'hosts'>;
  monitor: HealthMonitor;
  metrics: Metrics;
  logger: Logger;
  now: () => Date;
  version: string;
  /** Unset: no tracing, no span work per request. */
  tracing?: Tracing;
}

function plainRouteList(
  deps: ServerComposition,
  facts: RequestFactsTable,
  onUnexpected: (err: unknown) => void,
  clientAddress: (req: HttpRequest) => string | undefined,
): PlainRoute[] {
  const { services, metrics } = deps;
  const render = async () => ({ contentType: metrics.registry.contentType, text: await metrics.registry.metrics() });
  return [
    invitesApiRoute({ invites: services.invites, facts }),
    landingPageRoute({ invites: services.invites, hosts: deps.config.hosts, onUnexpected, clientAddress }),
    ...probeRoutes({ monitor: deps.monitor, version: deps.version, startedAt: deps.now(), now: deps.now }),
    ...(deps.config.metricsEnabled ? [metricsRoute(render)] : []),
    openApiRoute(readOpenApiDocument()),
  ];
}

/**
 * Node's request handler for one server: the RPCs, the plain routes and the guards in front of
 * them, each request logged and measured. Starts nothing.
 */
export function composeServer(deps: ServerComposition): (req: HttpRequest, res: HttpResponse) => void {
  const { services, logger, metrics } = deps;
  const onUnexpected = (err: unknown) => logger.error({ err }, 'unexpected error');
  const clientAddress = clientAddressOf(deps.config.trustedProxies);
  const facts = createRequestFactsTable();
  const rpc = composeRpc({ services, monitor: deps.monitor, onUnexpected });
  const adapter = rpcAdapter({
    ...rpc,
    readMaxBytes: MAX_RPC_MESSAGE_BYTES,
    contextValues: (req) => facts.contextValues(req).set(CLIENT_ADDRESS, clientAddress(req)),
    fallback: plainRoutes({
      routes: plainRouteList(deps, facts, onUnexpected, clientAddress),
      onUnexpected,
      facts,
      authFailureGuard: services.authFailureGuard,
      clientAddress,
    }),
    onGrpcStatus: (req, code) => facts.noteGrpcStatus(req, code),
    onUnexpected,
  });
  const callable = procedures(CALLABLE_SERVICES);
  const answeredRpcPreflight = rpcCors(callable);
  const answeredUnservableRpc = rpcRequestGuard(callable);
  return observeRequests({ logger, metrics, facts, tracing: deps.tracing }, (req, res) => {
    if (answeredRpcPreflight(req, res)) return;
    if (answeredUnservableRpc(req, res)) return;
    adapter(req, res);
  });
}
