import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Latency buckets (seconds) from a fast cached answer to a slow database write. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const DATABASE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface MetricsOptions {
  /** The configured hosts: their invite counters start at 0, so rates work from the first scrape. */
  hosts: readonly string[];
  /** Number of API keys of each configured host, read from the store on scrape. */
  countKeysByHost(): Promise<ReadonlyMap<string, number>>;
  /** How long a key count is reused, so a scrape storm does not become a database storm. */
  keyCountCacheMs: number;
}

export interface Metrics {
  /** Owned by this server: no process-wide default registry. */
  readonly registry: Registry;
  readonly rpcRequests: Counter<'service' | 'method' | 'code'>;
  readonly rpcDuration: Histogram<'service' | 'method'>;
  readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  readonly httpDuration: Histogram<'route' | 'method'>;
  readonly invitesCreated: Counter<'host'>;
  /** Incremented once per redeemed use (not for a retried redemption). */
  readonly invitesRedeemed: Counter<'host'>;
  readonly databaseRoundTrip: Histogram;
  readonly databaseUp: Gauge;
  readonly apiKeys: Gauge<'host'>;
  readonly webhookDelivered: Counter<'host'>;
  readonly webhookFailed: Counter<'host'>;
  readonly webhookPending: Gauge;
  readonly webhookPendingOldestAge: Gauge;
}

/** How requests are served: RPCs, and the plain HTTP routes. */
function requestMetrics(registry: Registry): Pick<Metrics, 'rpcRequests' | 'rpcDuration' | 'httpRequests' | 'httpDuration'> {
  return {
    rpcRequests: new Counter({
      name: 'invites_rpc_requests_total',
      help: 'RPCs served (gRPC, gRPC-Web and Connect), by service, method and outcome code.',
      labelNames: ['service', 'method', 'code'] as const,
      registers: [registry],
    }),
    rpcDuration: new Histogram({
      name: 'invites_rpc_duration_seconds',
      help: 'Time from request to the end of the response, by RPC (streams: their whole life).',
      labelNames: ['service', 'method'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'invites_http_requests_total',
      help: 'Plain HTTP requests (/invites_api, probes, /metrics; "(unmatched)" for unknown paths), by route, method and status.',
      labelNames: ['route', 'method', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'invites_http_request_duration_seconds',
      help: 'Time from request to the end of the response of plain HTTP routes.',
      labelNames: ['route', 'method'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
  };
}

function inviteMetrics(registry: Registry): Pick<Metrics, 'invitesCreated' | 'invitesRedeemed'> {
  return {
    invitesCreated: new Counter({
      name: 'invites_created_total',
      help: 'Invites created and durably stored, by host.',
      labelNames: ['host'] as const,
      registers: [registry],
    }),
    invitesRedeemed: new Counter({
      name: 'invites_redeemed_total',
      help: 'Invite uses redeemed, by host.',
      labelNames: ['host'] as const,
      registers: [registry],
    }),
  };
}

/** The database's health, and the key counts read from it on scrape (`countKeys`). */
function databaseMetrics(
  registry: Registry,
  countKeys: () => Promise<ReadonlyMap<string, number>>,
): Pick<Metrics, 'databaseRoundTrip' | 'databaseUp' | 'apiKeys'> {
  return {
    databaseRoundTrip: new Histogram({
      name: 'invites_database_round_trip_seconds',
      help: "Round trip of the health checker's database ping.",
      buckets: DATABASE_BUCKETS,
      registers: [registry],
    }),
    databaseUp: new Gauge({
      name: 'invites_database_up',
      help: '1 when the database answered the last health check and has its indexes, else 0.',
      registers: [registry],
    }),
    apiKeys: new Gauge({
      name: 'invites_api_keys',
      help: 'API keys that exist, by configured host (read from the database at most every few seconds).',
      labelNames: ['host'] as const,
      registers: [registry],
      async collect() {
        // A database outage keeps the last counts rather than failing the whole scrape.
        const counts = await countKeys().catch(() => undefined);
        if (!counts) return;
        this.reset();
        for (const [host, n] of counts) this.set({ host }, n);
      },
    }),
  };
}

/** Webhook deliveries: outcomes counted by this instance; the backlog as this instance last saw it in the database. */
function webhookMetrics(
  registry: Registry,
): Pick<Metrics, 'webhookDelivered' | 'webhookFailed' | 'webhookPending' | 'webhookPendingOldestAge'> {
  return {
    webhookDelivered: new Counter({
      name: 'invites_webhook_delivered_total',
      help: 'Webhook deliveries that an endpoint accepted (2xx), by host.',
      labelNames: ['host'] as const,
      registers: [registry],
    }),
    webhookFailed: new Counter({
      name: 'invites_webhook_failed_total',
      help: 'Webhook deliveries given up after retrying for INVITES_WEBHOOK_GIVE_UP_AFTER (or whose endpoint was deleted), by host.',
      labelNames: ['host'] as const,
      registers: [registry],
    }),
    webhookPending: new Gauge({
      name: 'invites_webhook_pending',
      help: 'Webhook deliveries not yet delivered or given up (every instance sees the same outbox).',
      registers: [registry],
    }),
    webhookPendingOldestAge: new Gauge({
      name: 'invites_webhook_pending_oldest_age_seconds',
      help: 'Age of the oldest webhook delivery not yet delivered or given up; 0 when none is pending.',
      registers: [registry],
    }),
  };
}

/** The series, each in `registry`, registered in this order (the order /metrics lists them). */
function defineMetrics(registry: Registry, countKeys: () => Promise<ReadonlyMap<string, number>>): Metrics {
  return {
    registry,
    ...requestMetrics(registry),
    ...inviteMetrics(registry),
    ...databaseMetrics(registry, countKeys),
    ...webhookMetrics(registry),
  };
}

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  // Node's process metrics (CPU, memory, event loop, GC).
  collectDefaultMetrics({ register: registry });

  let keyCounts: { at: number; counts: Promise<ReadonlyMap<string, number>> } | undefined;
  const countKeys = () => {
    const at = Date.now();
    if (!keyCounts || at - keyCounts.at >= options.keyCountCacheMs) {
      const counts = options.countKeysByHost();
      keyCounts = { at, counts };
      // A failed count is not cached: the next scrape tries again.
      counts.catch(() => (keyCounts = undefined));
    }
    return keyCounts.counts;
  };

  const metrics = defineMetrics(registry, countKeys);
  for (const host of options.hosts) {
    metrics.invitesCreated.inc({ host }, 0);
    metrics.invitesRedeemed.inc({ host }, 0);
    metrics.webhookDelivered.inc({ host }, 0);
    metrics.webhookFailed.inc({ host }, 0);
  }
  return metrics;
}
