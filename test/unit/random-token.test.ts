import assert from 'node:assert/strict';
import { randomToken } from '../../server/domain/random-token.js';

describe('randomToken', () => {
  it('never starts with "-", so a command line does not take an id or token for a flag', () => {
    // One base64url character in 64 is "-": 3,000 plain draws would start with it ~47 times.
    const tokens = Array.from({ length: 3000 }, () => randomToken(9));
    assert.deepEqual(
      tokens.filter((t) => t.startsWith('-')),
      [],
    );
    assert.equal(new Set(tokens).size, tokens.length);
    for (const t of tokens) assert.match(t, /^[A-Za-z0-9_][A-Za-z0-9_-]{11}$/);
  });
});
