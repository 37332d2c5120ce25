import assert from 'node:assert/strict';
import { hashSecret, secretMatches } from '../../server/domain/secret-hash.js';
import type { KeyRecord } from '../../server/domain/key.js';
import { createKeyAuthenticator, type PresentedCredential } from '../../server/service/key-authenticator.js';
import { createCachedKeyLookup } from '../../server/service/key-lookup.js';

const ID = 'AAAAAAAAAAAA';
const SECRET = 'S'.repeat(36);
const WRONG = 'W'.repeat(36);
const bearer = (id: string, secret: string): PresentedCredential => ({ kind: 'bearer', token: `${id}/${secret}` });

/** Records the work one authentication does: each secret comparison (against a hash of what length) and each clock read. */
function countingWork() {
  const calls: Array<{ secret: string; hashLength: number }> = [];
  let clockReads = 0;
  return {
    calls,
    clockReads: () => clockReads,
    now: () => {
      clockReads++;
      return new Date(1000);
    },
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
  const stored = [record(ID), record('DDDDDDDDDDDD', { disabled: true }), record('EEEEEEEEEEEE', { expiresAt: new Date(1) })];
  // The real cached lookup, as the server builds it: unknown ids come back as its decoys.
  const keys = () =>
    createCachedKeyLookup({ findById: async (id) => stored.find((r) => r.id === id) }, { maxEntries: 100, freshForMs: 60_000 });

  const sameWorkTitle =
    'compares once, against a hash of the same length, and checks expiry, ' +
    'for an unknown id, a wrong secret, a disabled or expired key';
  it(sameWorkTitle, async () => {
    const cases = [
      bearer('UNKNOWNIDxxx', WRONG),
      bearer('UNKNOWNIDxxx', SECRET),
      bearer(ID, WRONG),
      bearer('DDDDDDDDDDDD', SECRET),
      bearer('EEEEEEEEEEEE', SECRET),
    ];
    const lookup = keys();
    const messages = new Set<string>();
    // Twice: the first time each id is read from the store, the second it comes from the cache.
    for (const round of ['read', 'cached']) {
      for (const credential of cases) {
        const work = countingWork();
        const auth = createKeyAuthenticator(lookup, { now: work.now, secretMatches: work.secretMatches });
        const err = await auth.authenticate(credential).catch((e: Error) => e);
        assert.ok(err instanceof Error, 'refused');
        messages.add(err.message);
        const secret = (credential as { token: string }).token.split('/')[1]!;
        const what = `${round}: ${JSON.stringify(credential)}`;
        assert.deepEqual(work.calls, [{ secret, hashLength: 32 }], `one comparison for ${what}`);
        assert.equal(work.clockReads(), 1, `the expiry checked for ${what}`);
      }
    }
    assert.equal(messages.size, 1, 'one and the same answer');
  });

  it('accepts the right secret after the same work', async () => {
    const work = countingWork();
    const key = await createKeyAuthenticator(keys(), { now: work.now, secretMatches: work.secretMatches }).authenticate(bearer(ID, SECRET));
    assert.equal(key.id, ID);
    assert.deepEqual(work.calls, [{ secret: SECRET, hashLength: 32 }]);
    assert.equal(work.clockReads(), 1);
  });
});
