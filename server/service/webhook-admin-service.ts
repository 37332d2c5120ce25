/** KeyAdmin's webhook RPCs: register, list and delete endpoints; list deliveries. Admin token only. */
import type { HostConfig } from '../config/config.js';
import { DomainError } from '../domain/errors.js';
import { randomToken } from '../domain/random-token.js';
import { firstUnsafeCharacter } from '../domain/unsafe-characters.js';
import {
  isWebhookEventType,
  WEBHOOK_EVENT_TYPES,
  type DeliveryRecord,
  type DeliveryState,
  type WebhookEndpointRecord,
  type WebhookEventType,
} from '../domain/webhook.js';
import { StoreConflict } from '../store/store.js';
import type { WebhookStore } from '../store/webhook-store.js';
import { adminOnly, type AdminAuthenticator, type AdminOnly } from './admin-authenticator.js';
import { ADMIN_ACTOR, type AuditLog } from './audit-log.js';
import { configuredHost } from './configured-host.js';
import { firstNonPublicAddress } from './webhook-address-guard.js';
import type { ChangeEvents } from './webhook-events.js';
import { generateWebhookSecret, type SecretBox } from './webhook-secret.js';

export const MAX_WEBHOOK_DESCRIPTION_LENGTH = 200;
export const MAX_WEBHOOK_URL_LENGTH = 2000;
export const DEFAULT_DELIVERY_PAGE = 100;
export const MAX_DELIVERY_PAGE = 1000;
const ENDPOINT_ID_BYTES = 9;

/** An endpoint as the admin sees it: never its secret. */
export type WebhookEndpoint = Omit<WebhookEndpointRecord, 'encryptedSecret'>;

export interface DeliveryQuery {
  host: string;
  webhookId: string;
  /** Undefined: every state. */
  state: 'pending' | 'delivered' | 'failed' | undefined;
  pageSize: number;
}

export interface WebhookOperations {
  /** The secret is returned only here. */
  createWebhook(request: { host: string; url: string; events: readonly string[]; description: string }): Promise<{
    webhook: WebhookEndpoint;
    secret: string;
  }>;
  listWebhooks(host: string): Promise<WebhookEndpoint[]>;
  deleteWebhook(host: string, id: string): Promise<void>;
  listDeliveries(query: DeliveryQuery): Promise<{ deliveries: DeliveryRecord[]; truncated: boolean }>;
}

export type WebhookAdminService = AdminOnly<WebhookOperations>;

export interface WebhookAdminDeps {
  admin: AdminAuthenticator;
  store: WebhookStore;
  hosts: ReadonlyMap<string, HostConfig>;
  secrets: SecretBox;
  events: ChangeEvents;
  audit: AuditLog;
  now: () => Date;
  allowPrivateAddresses: boolean;
}

const notFound = () => new DomainError('not_found', 'webhook not found');

/** Refuses a URL the server must not call, naming why. */
async function checkUrl(text: string, allowPrivateAddresses: boolean): Promise<string> {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (!url || !/^https?:$/.test(url.protocol) || text.length > MAX_WEBHOOK_URL_LENGTH) {
    throw new DomainError('invalid_argument', `url must be an http:// or https:// URL of at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  }
  if (url.username || url.password) throw new DomainError('invalid_argument', 'url must not hold a user name or password');
  if (allowPrivateAddresses) return url.href;
  let found: { address: string; range: string } | undefined;
  try {
    found = await firstNonPublicAddress(url.hostname);
  } catch (err) {
    throw new DomainError('invalid_argument', `url: ${url.hostname} cannot be resolved (${(err as { code?: string }).code ?? 'error'})`);
  }
  if (found) {
    const literal = found.address === url.hostname.replace(/^\[|\]$/g, '');
    throw new DomainError(
      'invalid_argument',
      `url: ${url.hostname} ${literal ? 'is' : `resolves to ${found.address},`} a ${found.range} address; ` +
        'webhooks to loopback, private, link-local or unique-local addresses are refused unless the server sets ' +
        'INVITES_WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true',
    );
  }
  return url.href;
}

function checkEvents(events: readonly string[]): WebhookEventType[] {
  const unknown = events.filter((e) => !isWebhookEventType(e));
  if (unknown.length) {
    throw new DomainError(
      'invalid_argument',
      `events: unknown type ${unknown.map((e) => `"${e}"`).join(', ')}; known: ${WEBHOOK_EVENT_TYPES.join(', ')}`,
    );
  }
  return [...new Set(events as WebhookEventType[])];
}

function checkDescription(description: string): string {
  if (description.length > MAX_WEBHOOK_DESCRIPTION_LENGTH) {
    throw new DomainError('invalid_argument', `description is too long: at most ${MAX_WEBHOOK_DESCRIPTION_LENGTH} characters`);
  }
  const unsafe = firstUnsafeCharacter(description, { joinersAllowed: true });
  if (unsafe) throw new DomainError('invalid_argument', `description must not contain control or format characters: found ${unsafe}`);
  return description.trim();
}

const publicView = ({ encryptedSecret: _secret, ...endpoint }: WebhookEndpointRecord): WebhookEndpoint => endpoint;

export function createWebhookAdminService(deps: WebhookAdminDeps): WebhookAdminService {
  const hostNamed = (name: string) => configuredHost(deps.hosts, name);
  const operations: WebhookOperations = {
    async createWebhook(request) {
      const host = hostNamed(request.host);
      const events = checkEvents(request.events);
      const description = checkDescription(request.description);
      const url = await checkUrl(request.url, deps.allowPrivateAddresses);
      const secret = generateWebhookSecret();
      for (let attempt = 0; ; attempt++) {
        const endpoint: WebhookEndpointRecord = {
          id: randomToken(ENDPOINT_ID_BYTES),
          host: host.name,
          url,
          events,
          description,
          createdAt: deps.now(),
          encryptedSecret: deps.secrets.seal(secret),
        };
        try {
          await deps.store.insertEndpoint(endpoint);
        } catch (err) {
          if (!(err instanceof StoreConflict) || attempt >= 2) throw err;
          continue;
        }
        deps.events.invalidate();
        await deps.audit.record({
          action: 'webhook_created',
          actor: ADMIN_ACTOR,
          host: host.name,
          webhookId: endpoint.id,
          at: endpoint.createdAt,
        });
        return { webhook: publicView(endpoint), secret };
      }
    },
    async listWebhooks(hostName) {
      return (await deps.store.listEndpoints(hostNamed(hostName).name)).map(publicView);
    },
    async deleteWebhook(hostName, id) {
      const host = hostNamed(hostName);
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(id) || !(await deps.store.deleteEndpoint(host.name, id))) throw notFound();
      deps.events.invalidate();
      await deps.audit.record({ action: 'webhook_deleted', actor: ADMIN_ACTOR, host: host.name, webhookId: id });
    },
    async listDeliveries(query) {
      const host = hostNamed(query.host);
      const pageSize = query.pageSize || DEFAULT_DELIVERY_PAGE;
      if (!(pageSize >= 1 && pageSize <= MAX_DELIVERY_PAGE)) {
        throw new DomainError('invalid_argument', `page_size must be between 1 and ${MAX_DELIVERY_PAGE} (0 for ${DEFAULT_DELIVERY_PAGE})`);
      }
      // An intent is shown as pending (its change may still be made); a void one never was an event.
      const states: DeliveryState[] =
        query.state === undefined
          ? ['intent', 'pending', 'delivered', 'failed']
          : query.state === 'pending'
            ? ['intent', 'pending']
            : [query.state];
      const found = await deps.store.listDeliveries({
        host: host.name,
        endpointId: query.webhookId || undefined,
        states,
        limit: pageSize + 1,
      });
      return { deliveries: found.slice(0, pageSize), truncated: found.length > pageSize };
    },
  };
  return adminOnly(deps.admin, operations);
}
