import type { InviteRecord } from '../../server/domain/invite.js';
import type { TestDatabase } from './test-database.js';

/** The key the store tests' invites were created with. */
export const FIXTURE_KEY_ID = 'AAAAAAAAAAAA';

/** A register invite of example.com made by a key, single-use, created a second before it expires unless told. */
export function inviteRecord(
  token: string,
  expiresAt: Date,
  options: { host?: string; maxUses?: number; createdAt?: Date } = {},
): InviteRecord {
  return {
    token,
    host: options.host ?? 'example.com',
    kind: 'register',
    createdAt: options.createdAt ?? new Date(expiresAt.getTime() - 1000),
    expiresAt,
    source: `api/token/${FIXTURE_KEY_ID}`,
    keyId: FIXTURE_KEY_ID,
    maxUses: options.maxUses ?? 1,
    roles: [],
    groups: [],
    note: '',
  };
}

/** Writes, straight to the database, an invite as stored before invites had options or kinds. */
export async function insertLegacyInvite(db: TestDatabase, token: string, expiresAt: Date): Promise<void> {
  await db.client
    .db(db.name)
    .collection('invites')
    .insertOne({
      _id: token as never,
      host: 'example.com',
      kind: 'register',
      createdAt: new Date(),
      expiresAt,
      source: `api/token/${FIXTURE_KEY_ID}`,
      keyId: FIXTURE_KEY_ID,
    });
}
