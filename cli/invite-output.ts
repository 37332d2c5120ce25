import { InviteStatus, InviteType, timestampDate, type Invite, type Timestamp } from '../client/index.js';
import { escapeUnsafeCharacters } from '../server/domain/unsafe-characters.js';

export const STATUS_NAMES = ['valid', 'expired', 'used_up', 'revoked'] as const;
export type StatusName = (typeof STATUS_NAMES)[number];

const STATUS_OF_NAME: Record<StatusName, InviteStatus> = {
  valid: InviteStatus.VALID,
  expired: InviteStatus.EXPIRED,
  used_up: InviteStatus.USED_UP,
  revoked: InviteStatus.REVOKED,
};

export const statusOfName = (name: StatusName): InviteStatus => STATUS_OF_NAME[name];

function statusName(status: InviteStatus): StatusName | 'unknown' {
  return STATUS_NAMES.find((name) => STATUS_OF_NAME[name] === status) ?? 'unknown';
}

/** Invite kinds as the CLI names them (`--type`, the KIND column, `kind` in --json). */
export const KIND_NAMES = ['register', 'roster', 'reset'] as const;
export type KindName = (typeof KIND_NAMES)[number];

const TYPE_OF_KIND_NAME: Record<KindName, InviteType> = {
  register: InviteType.REGISTER,
  roster: InviteType.ROSTER,
  reset: InviteType.PASSWORD_RESET,
};

export const typeOfKindName = (name: KindName): InviteType => TYPE_OF_KIND_NAME[name];

function kindName(type: InviteType): KindName | 'unknown' {
  return KIND_NAMES.find((name) => TYPE_OF_KIND_NAME[name] === type) ?? 'unknown';
}

const iso = (t: Timestamp | undefined) => (t ? timestampDate(t).toISOString() : null);

/** An invite as the --json output shows it. Field names are part of the CLI's interface. */
export interface InviteJson {
  token: string;
  host: string;
  status: StatusName | 'unknown';
  kind: KindName | 'unknown';
  /** The only username it registers or resets; '' for any. */
  username: string;
  /** The local user who made it; '' when a key or the admin token did. */
  inviter: string;
  allowRegistration: boolean;
  uri: string;
  landingPageUrl: string;
  maxUses: number;
  uses: number;
  roles: string[];
  groups: string[];
  note: string;
  source: string;
  /** ISO 8601, UTC. */
  createdAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  redemptions: Array<{ use: number; account: string; redeemedAt: string | null }>;
}

export function inviteJson(invite: Invite): InviteJson {
  return {
    token: invite.token,
    host: invite.host,
    status: statusName(invite.status),
    kind: kindName(invite.type),
    username: invite.username,
    inviter: invite.inviter,
    allowRegistration: invite.allowRegistration,
    uri: invite.uri,
    landingPageUrl: invite.landingPageUrl,
    maxUses: invite.maxUses,
    uses: invite.uses,
    roles: [...invite.roles],
    groups: [...invite.groups],
    note: invite.note,
    source: invite.source,
    createdAt: iso(invite.createTime),
    expiresAt: iso(invite.expireTime),
    revokedAt: iso(invite.revokeTime),
    redemptions: invite.redemptions.map((r) => ({ use: r.use, account: r.account, redeemedAt: iso(r.redeemTime) })),
  };
}

const readableUtc = (value: string | null) => (value ? `${value.slice(0, 16).replace('T', ' ')} UTC` : '-');

/**
 * The invites:list table, in the server's order (newest first): TOKEN, KIND, STATUS, USES,
 * EXPIRES, FOR (the bound username), INVITER, ACCOUNTS (registered with it), SOURCE, NOTE.
 */
export function invitesTable(invites: readonly InviteJson[]): string {
  const cells = [
    ['TOKEN', 'KIND', 'STATUS', 'USES', 'EXPIRES', 'FOR', 'INVITER', 'ACCOUNTS', 'SOURCE', 'NOTE'],
    ...invites.map((i) => [
      i.token,
      i.kind,
      i.status,
      `${i.uses}/${i.maxUses}`,
      readableUtc(i.expiresAt),
      i.username || '-',
      i.inviter || '-',
      i.redemptions.map((r) => r.account).join(',') || '-',
      i.source,
      i.note,
    ]),
  ];
  const rows = cells.map((row) => row.map(escapeUnsafeCharacters)); // as table() does
  const last = rows[0]!.length - 1;
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, col) => (col < last ? cell.padEnd(widths[col]!) : cell))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The token from a token, a landing page URL (`…/invite?TOKEN`) or an xmpp: URI (`…;preauth=TOKEN`), as an operator may paste any. */
export function tokenFromArgument(text: string): string {
  const preauth = /[?;]preauth=([A-Za-z0-9_-]+)/.exec(text);
  if (preauth) return preauth[1]!;
  if (/^https?:\/\//i.test(text) && URL.canParse(text)) return new URL(text).search.replace(/^\?/, '');
  return text;
}
