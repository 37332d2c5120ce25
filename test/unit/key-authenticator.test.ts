import assert from 'node:assert/strict';
import { hashSecret, secretMatches } from '../../server/domain/secret-hash.js';
import type { KeyRecord } from '../../server/domain/key.js';
import { createKeyAuthenticator, type PresentedCredential } from '../../server/service/key-authenticator.js';
import type { KeyLookup } from '../../server/service/key-lookup.js';

const ID = 'AAAAAAAAAAAA';
const SECRET = 'S'.repeat(36);
const WRONG = 'W'.repeat(36);
const bearer = (id: string, secret: string): PresentedCredential => ({ kind: 'bearer', token: `${id}/${secret}` });

function keysOf(records: KeyRecord[]): KeyLookup {
  return { find: async (id) => records.find((r) => r.id === id), invalidate: () => {} };
}

/** Records every secret comparison the authenticator makes: what it compared, against a hash of what length. */
function countingCompare() {
  const calls: Array<{ secret: string; hashLength: number }> = [];
  return {
    calls,
    secretMatches: (secret: string, storedHash: Uint8Array) => {
      calls.push({ secret, hashLength: storedHash.length });
      return secretMatches(secret, storedHash);
    },
  };
}

describe('key authenticator: whether a key id exists does not change the work done', () => {
  const record = (id: string, extra: Partial<KeyRecord> = {}): KeyRecord => ({
    id,
    host: 'example.com',
    name: '',
    secretHash: hashSecret(SECRET),
    createdAt: new Date(0),
    ...extra,
  });
  const keys = keysOf([record(ID), record('DDDDDDDDDDDD', { disabled: true }), record('EEEEEEEEEEEE', { expiresAt: new Date(1) })]);

  const sameWorkTitle =
    'compares the secret once, against a hash of the same length, ' + 'for an unknown id, a wrong secret, and a disabled or expired key';
  it(sameWorkTitle, async () => {
    const cases = [bearer('UNKNOWNIDxxx', WRONG), bearer(ID, WRONG), bearer('DDDDDDDDDDDD', SECRET), bearer('EEEEEEEEEEEE', SECRET)];
    const messages = new Set<string>();
    for (const credential of cases) {
      const compare = countingCompare();
      const auth = createKeyAuthenticator(keys, { secretMatches: compare.secretMatches });
      const err = await auth.authenticate(credential).catch((e: Error) => e);
      assert.ok(err instanceof Error, 'refused');
      messages.add(err.message);
      const secret = (credential as { token: string }).token.split('/')[1]!;
      assert.deepEqual(compare.calls, [{ secret, hashLength: 32 }], `one comparison for ${JSON.stringify(credential)}`);
    }
    assert.equal(messages.size, 1, 'one and the same answer');
  });

  it('accepts the right secret after the same single comparison', async () => {
    const compare = countingCompare();
    const key = await createKeyAuthenticator(keys, { secretMatches: compare.secretMatches }).authenticate(bearer(ID, SECRET));
    assert.equal(key.id, ID);
    assert.deepEqual(compare.calls, [{ secret: SECRET, hashLength: 32 }]);
  });
});
