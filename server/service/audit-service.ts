import { DomainError } from '../domain/errors.js';
import { configuredHost } from './configured-host.js';
import type { AuditRecord } from '../domain/audit.js';
import type { AuditStore, InviteStore } from '../store/store.js';
import { adminOnly, type AdminAuthenticator, type AdminOnly } from './admin-authenticator.js';
import { ADMIN_ACTOR, keyActor } from './audit-log.js';

export const DEFAULT_AUDIT_PAGE = 100;
export const MAX_AUDIT_PAGE = 1000;

export interface AuditQuery {
  /** Empty: every configured host. */
  host: string;
  since: Date | undefined;
  /** 0: the default page size. */
  pageSize: number;
}

export interface AuditOperations {
  /** Newest first; `truncated` when more events matched than the page holds. */
  listAudit(query: AuditQuery): Promise<{ events: AuditRecord[]; truncated: boolean }>;
}

/** Only the admin: takes the presented credential first. */
export type AuditService = AdminOnly<AuditOperations>;

/**
 * The audit trail: the `audit` collection merged with invite creations read from the invites
 * themselves (each holds its key and time), so creating an invite stays one database write.
 */
export function createAuditService(deps: {
  admin: AdminAuthenticator;
  audit: Pick<AuditStore, 'list'>;
  invites: Pick<InviteStore, 'listCreated'>;
  hosts: ReadonlyMap<string, unknown>;
}): AuditService {
  return adminOnly(deps.admin, auditOperations(deps));
}

function auditOperations(deps: {
  audit: Pick<AuditStore, 'list'>;
  invites: Pick<InviteStore, 'listCreated'>;
  hosts: ReadonlyMap<string, unknown>;
}): AuditOperations {
  return {
    async listAudit(query) {
      let hosts = [...deps.hosts.keys()];
      if (query.host) {
        configuredHost(deps.hosts, query.host);
        hosts = [query.host.toLowerCase()];
      }
      if (query.pageSize > MAX_AUDIT_PAGE) throw new DomainError('invalid_argument', `page_size must be at most ${MAX_AUDIT_PAGE}`);
      if (query.since && Number.isNaN(query.since.getTime())) throw new DomainError('invalid_argument', 'since is not a valid time');
      const pageSize = query.pageSize || DEFAULT_AUDIT_PAGE;
      // One more than the page, to tell whether there is more.
      const range = { hosts, since: query.since, limit: pageSize + 1 };
      const [recorded, invites] = await Promise.all([deps.audit.list(range), deps.invites.listCreated(range)]);
      const created: AuditRecord[] = invites.map((i) => ({
        at: i.createdAt,
        action: 'invite_created',
        actor: i.keyId ? keyActor(i.keyId) : i.source === ADMIN_ACTOR ? ADMIN_ACTOR : i.source,
        host: i.host,
        keyId: i.keyId,
        inviteToken: i.token,
      }));
      const events = [...recorded, ...created].sort((a, b) => b.at.getTime() - a.at.getTime());
      return { events: events.slice(0, pageSize), truncated: events.length > pageSize };
    },
  };
}
