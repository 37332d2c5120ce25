import { createClient, createRouterTransport } from '@connectrpc/connect';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import { buildServices } from '../../server/app/build-services.js';
import { loadConfig } from '../../server/config/config.js';
import { createMemoryStore } from './memory-store.js';
import type { Store } from '../../server/store/store.js';
import { authFailureInterceptor, connectRoutes, errorMappingInterceptor } from '../../server/transport/connect-routes.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** The real routes and services over Connect's in-memory transport, on an injectable store and clock. */
export function routerHarness(options: { store?: Store; now?: () => Date; env?: Record<string, string> } = {}) {
  const store = options.store ?? createMemoryStore();
  const now = options.now ?? (() => new Date());
  const config = loadConfig({ INVITES_HOSTS: 'example.com=https://example.com,chat.example.org=https://invite.example.org', ...options.env });
  const unexpected: unknown[] = [];
  const services = buildServices({ store, config, adminToken: ADMIN_TOKEN, now, instanceId: 'harness', onBackgroundError: (err) => unexpected.push(err) });
  // The in-memory transport has no client address: the per-address limit is tested end to end.
  const transport = createRouterTransport(connectRoutes(services), {
    router: { interceptors: [errorMappingInterceptor((err) => unexpected.push(err)), authFailureInterceptor(services.authFailureGuard)] },
  });
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
