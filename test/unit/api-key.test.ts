import assert from 'node:assert/strict';
import { generateApiKey, parseApiKey } from '../../server/domain/api-key.js';
import { parseDurationSeconds } from '../../server/domain/duration.js';
import { hashSecret, secretMatches } from '../../server/domain/secret-hash.js';
import { credentialFromHeader } from '../../server/transport/bearer-credential.js';

describe('API keys', () => {
  it('are ID/SECRET in base64url, 12 + 36 characters, different every time', () => {
    const keys = Array.from({ length: 100 }, generateApiKey);
    for (const k of keys) {
      assert.match(k.full, /^[A-Za-z0-9_-]{12}\/[A-Za-z0-9_-]{36}$/);
      assert.deepEqual(parseApiKey(k.full), { id: k.id, secret: k.secret });
    }
    assert.equal(new Set(keys.map((k) => k.full)).size, 100);
  });

  it('parse only in their exact shape', () => {
    for (const bad of [
      '',
      'abc',
      'AAAAAAAAAAAA',
      `AAAAAAAAAAAA/${'A'.repeat(35)}`,
      `AAAAAAAAAAAA/${'A'.repeat(36)}/x`,
      `AAAAAAAAAAA+/${'A'.repeat(36)}`,
      ` AAAAAAAAAAAA/${'A'.repeat(36)}`,
    ]) {
      assert.equal(parseApiKey(bad), undefined, bad);
    }
  });

  it('match their stored hash only with the right secret', () => {
    const h = hashSecret('right');
    assert.ok(secretMatches('right', h));
    assert.ok(!secretMatches('wrong', h));
    assert.ok(!secretMatches('right', h.subarray(0, 16)));
  });
});

describe('Authorization header', () => {
  it('takes Bearer in any case and refuses every other shape', () => {
    assert.deepEqual(credentialFromHeader('Bearer abc'), { kind: 'bearer', token: 'abc' });
    assert.deepEqual(credentialFromHeader('bearer   abc '), { kind: 'bearer', token: 'abc' });
    assert.deepEqual(credentialFromHeader(undefined), { kind: 'none' });
    for (const bad of ['', 'Bearer', 'Bearer ', 'Basic abc', 'Bearer a b', 'Bearerabc']) {
      assert.deepEqual(credentialFromHeader(bad), { kind: 'malformed' }, bad);
    }
  });
});

describe('durations', () => {
  it('read seconds and s/m/h/d/w suffixes, and nothing else', () => {
    assert.equal(parseDurationSeconds('90'), 90);
    assert.equal(parseDurationSeconds('15m'), 900);
    assert.equal(parseDurationSeconds('7d'), 604800);
    assert.equal(parseDurationSeconds('2W'), 1209600);
    for (const bad of ['', '-1s', '1.5h', '7 days', 'd']) assert.equal(parseDurationSeconds(bad), undefined, bad);
  });
});
