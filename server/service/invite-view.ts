import type { HostConfig } from '../config/config.js';
import { inviteUri } from '../domain/invite-kind.js';
import { inviteStatus, type InviteStatus } from '../domain/invite-status.js';
import type { HoldRecord, InviteKind, InviteRecord, InviteUsage, RedemptionRecord } from '../domain/invite.js';
import { landingPageUrl } from './invite-links.js';

/** An invite as its creator or the operator sees it: the record, its links and its state. */
export interface Invite extends InviteRecord {
  username: string;
  inviter: string;
  allowRegistration: boolean;
  uri: string;
  /** Empty when the invite's host is no longer configured. */
  landingPageUrl: string;
  status: InviteStatus;
  redemptions: RedemptionRecord[];
  revokedAt: Date | undefined;
  /** Uses held by registrations in progress (not lapsed at the time described): taken, not yet redemptions. */
  holds: HoldRecord[];
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
  username: string;
  inviter: string;
  /** Roster invites: whether it also lets a new account register (its URI says so too: `;ibr=y`). */
  allowRegistration: boolean;
}

export function describeInvite(record: InviteRecord, host: HostConfig | undefined, usage: InviteUsage | undefined, now: Date): Invite {
  const redemptions = usage?.redemptions ?? [];
  const revokedAt = usage?.revokedAt;
  // A held use is taken until its hold lapses; a lapsed one is reclaimed by the next claim.
  const holds = (usage?.holds ?? []).filter((h) => h.heldUntil > now);
  const kind = {
    username: record.username ?? '',
    inviter: record.inviter ?? '',
    allowRegistration: record.allowRegistration ?? record.kind !== 'roster',
  };
  return {
    ...record,
    ...kind,
    uri: inviteUri({ ...record, ...kind }),
    landingPageUrl: host ? landingPageUrl(host, record.token) : '',
    status: inviteStatus(record, { uses: redemptions.length + holds.length, revoked: revokedAt !== undefined }, now),
    redemptions,
    revokedAt,
    holds,
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
    remainingUses: invite.status === 'valid' ? invite.maxUses - invite.redemptions.length - invite.holds.length : 0,
    username: invite.username,
    inviter: invite.inviter,
    allowRegistration: invite.allowRegistration,
  };
}
