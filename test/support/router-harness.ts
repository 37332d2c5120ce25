import { createClient, createRouterTransport } from '@connectrpc/connect';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import { buildServices } from '../../server/app/build-services.js';
import { composeRpc } from '../../server/app/compose.js';
import { loadConfig } from '../../server/config/config.js';
import { createHealthMonitor } from '../../server/service/health-monitor.js';
import { createMemoryStore } from './memory-store.js';
import type { Store } from '../../server/store/store.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** The server's own routes and interceptors (composeRpc) over Connect's in-memory transport, on an injectable store and clock. */
export function routerHarness(options: { store?: Store; now?: () => Date; env?: Record<string, string> } = {}) {
  const store = options.store ?? createMemoryStore();
  const now = options.now ?? (() => new Date());
  const config = loadConfig({
    INVITES_HOSTS: 'example.com=https://example.com,chat.example.org=https://invite.example.org',
    ...options.env,
  });
  const unexpected: unknown[] = [];
  const services = buildServices({
    store,
    config,
    adminToken: ADMIN_TOKEN,
    now,
    instanceId: 'harness',
    onBackgroundError: (err) => unexpected.push(err),
  });
  // Never started: health is not what these tests are about.
  const monitor = createHealthMonitor({
    ping: () => store.ping(),
    missingIndexes: () => store.missingIndexes(),
    intervalMs: 60_000,
    timeoutMs: 5000,
  });
  // The in-memory transport has no client address: the per-address limit is tested end to end.
  const rpc = composeRpc({ services, monitor, onUnexpected: (err) => unexpected.push(err) });
  const transport = createRouterTransport(rpc.routes, { router: { interceptors: rpc.interceptors } });
  return {
    store,
    services,
    unexpected,
    inviteClient: createClient(InviteService, transport),
    adminClient: createClient(KeyAdmin, transport),
    admin: { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
    bearer: (key: string) => ({ headers: { authorization: `Bearer ${key}` } }),
  };
}

/**
 * A harness on a clock the test moves (`advance`), with one key on example.com ("signup bot"
 * unless `keyRequest` says otherwise, with what else `keyRequest` asks for).
 */
export async function keyedHarness(
  env: Record<string, string> = {},
  keyRequest: {
    name?: string;
    rateLimitPerMinute?: number;
    maxValidInvites?: number;
    maxUsesCeiling?: number;
    maxTtlSeconds?: number;
  } = {},
) {
  let now = new Date('2026-11-28T10:00:00Z');
  const h = routerHarness({ now: () => now, env });
  const { key, fullKey } = await h.adminClient.createKey({ host: 'example.com', name: 'signup bot', ...keyRequest }, h.admin);
  return {
    ...h,
    keyId: key!.id,
    key: h.bearer(fullKey),
    now: () => now,
    advance: (seconds: number) => (now = new Date(now.getTime() + seconds * 1000)),
  };
}
