import type { HostConfig } from '../config/config.js';
import { DomainError } from '../domain/errors.js';
import type { InviteRecord } from '../domain/invite.js';
import type { InviteStore } from '../store/store.js';
import type { Caller } from './caller-authenticator.js';
import { describeInvite, type Invite } from './invite-view.js';

/** Tokens are 24 base64url characters; anything far from that shape is unknown without asking the store. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{1,64}$/;

export const inviteNotFound = () =>
  new DomainError('not_found', 'invite not found: check the token (invites are removed some days after they expire)');

/** Stored invites read back with their usage, as callers see them. */
export interface InviteLookup {
  /** The record, or not_found. */
  find(token: string): Promise<InviteRecord>;
  /** The invite a registration side may use: any host's for the admin token, its own host's for a key (else not_found). */
  findOfCaller(caller: Caller, token: string): Promise<InviteRecord>;
  describeAll(records: InviteRecord[], now: Date): Promise<Invite[]>;
  /** The record with its usage, now. */
  describeOne(record: InviteRecord): Promise<Invite>;
}

export function createInviteLookup(deps: { invites: InviteStore; hosts: ReadonlyMap<string, HostConfig>; now: () => Date }): InviteLookup {
  const describeAll = async (records: InviteRecord[], now: Date): Promise<Invite[]> => {
    const usage = await deps.invites.usage(records);
    return records.map((r) => describeInvite(r, deps.hosts.get(r.host), usage.get(r.token), now));
  };
  const find = async (token: string): Promise<InviteRecord> => {
    const record = TOKEN_SHAPE.test(token) ? await deps.invites.find(token) : undefined;
    if (!record) throw inviteNotFound();
    return record;
  };
  return {
    find,
    async findOfCaller(caller, token) {
      const record = await find(token);
      if (caller.kind === 'key' && record.host !== caller.key.host) throw inviteNotFound();
      return record;
    },
    describeAll,
    async describeOne(record) {
      return (await describeAll([record], deps.now()))[0]!;
    },
  };
}
