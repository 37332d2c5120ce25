import type { HostConfig } from '../config/config.js';
import { inviteStatus, type InviteStatus } from '../domain/invite-status.js';
import type { InviteKind, InviteRecord, InviteUsage, RedemptionRecord } from '../domain/invite.js';
import { inviteUri, landingPageUrl } from './invite-links.js';

/** An invite as its creator or the operator sees it: the record, its links and its state. */
export interface Invite extends InviteRecord {
  uri: string;
  /** Empty when the invite's host is no longer configured. */
  landingPageUrl: string;
  status: InviteStatus;
  redemptions: RedemptionRecord[];
  revokedAt: Date | undefined;
}

/** What anyone holding the token may learn: no key, source, note, roles, groups or accounts. */
export interface PublicInvite {
  token: string;
  host: string;
  kind: InviteKind;
  uri: string;
  landingPageUrl: string;
  expiresAt: Date;
  status: InviteStatus;
  remainingUses: number;
}

export function describeInvite(record: InviteRecord, host: HostConfig | undefined, usage: InviteUsage | undefined, now: Date): Invite {
  const redemptions = usage?.redemptions ?? [];
  const revokedAt = usage?.revokedAt;
  return {
    ...record,
    uri: inviteUri(record.host, record.token),
    landingPageUrl: host ? landingPageUrl(host, record.token) : '',
    status: inviteStatus(record, { uses: redemptions.length, revoked: revokedAt !== undefined }, now),
    redemptions,
    revokedAt,
  };
}

export function publicView(invite: Invite): PublicInvite {
  return {
    token: invite.token,
    host: invite.host,
    kind: invite.kind,
    uri: invite.uri,
    landingPageUrl: invite.landingPageUrl,
    expiresAt: invite.expiresAt,
    status: invite.status,
    remainingUses: invite.status === 'valid' ? invite.maxUses - invite.redemptions.length : 0,
  };
}
