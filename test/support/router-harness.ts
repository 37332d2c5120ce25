import { createClient, createRouterTransport } from '@connectrpc/connect';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import { loadConfig } from '../../server/config/config.js';
import { createAdminAuthenticator } from '../../server/service/admin-authenticator.js';
import { createInviteService } from '../../server/service/invite-service.js';
import { createKeyAdminService } from '../../server/service/key-admin-service.js';
import { createKeyAuthenticator } from '../../server/service/key-authenticator.js';
import { createCachedKeyLookup } from '../../server/service/key-lookup.js';
import { createMemoryStore } from '../../server/store/memory-store.js';
import type { Store } from '../../server/store/store.js';
import { connectRoutes, errorMappingInterceptor } from '../../server/transport/connect-routes.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** The real routes and services over Connect's in-memory transport, on an injectable store and clock. */
export function routerHarness(options: { store?: Store; now?: () => Date; env?: Record<string, string> } = {}) {
  const store = options.store ?? createMemoryStore();
  const now = options.now ?? (() => new Date());
  const config = loadConfig({ INVITES_HOSTS: 'example.com=https://example.com,chat.example.org=https://invite.example.org', ...options.env });
  const unexpected: unknown[] = [];
  const keyLookup = createCachedKeyLookup(store.keys);
  const invites = createInviteService({ invites: store.invites, keyAuthenticator: createKeyAuthenticator(keyLookup), hosts: config.hosts, now });
  const keyAdmin = createKeyAdminService({ keys: store.keys, keyLookup, hosts: config.hosts, now });
  const transport = createRouterTransport(connectRoutes({ invites, keyAdmin, adminAuthenticator: createAdminAuthenticator(ADMIN_TOKEN) }), {
    router: { interceptors: [errorMappingInterceptor((err) => unexpected.push(err))] },
  });
  return {
    store,
    unexpected,
    inviteClient: createClient(InviteService, transport),
    adminClient: createClient(KeyAdmin, transport),
    admin: { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
    bearer: (key: string) => ({ headers: { authorization: `Bearer ${key}` } }),
  };
}
