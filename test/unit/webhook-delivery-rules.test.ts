import assert from 'node:assert/strict';
import { nonPublicRange } from '../../server/service/webhook-address-guard.js';
import { retryDelayMs } from '../../server/service/webhook-dispatcher.js';

describe('webhook delivery rules', () => {
  it('tells public addresses from the ones a webhook must not reach without permission', () => {
    const cases: Array<[string, string | undefined]> = [
      ['93.184.216.34', undefined],
      ['2606:2800:220:1:248:1893:25c8:1946', undefined],
      ['127.0.0.1', 'loopback'],
      ['127.8.9.10', 'loopback'],
      ['::1', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:10.0.0.1', 'private'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['192.168.1.1', 'private'],
      ['169.254.169.254', 'linkLocal'],
      ['100.64.0.1', 'carrierGradeNat'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['fd00::1', 'uniqueLocal'],
      ['fe80::1', 'linkLocal'],
      ['224.0.0.1', 'multicast'],
    ];
    for (const [address, range] of cases) assert.equal(nonPublicRange(address), range, address);
  });

  it('backs off exponentially from the base, capped, with at most ±20% jitter', () => {
    const settings = { retryBaseMs: 5000, retryMaxDelayMs: 3_600_000 };
    assert.equal(
      retryDelayMs(1, settings, () => 0.5),
      5000,
    );
    assert.equal(
      retryDelayMs(2, settings, () => 0.5),
      10_000,
    );
    assert.equal(
      retryDelayMs(5, settings, () => 0.5),
      80_000,
    );
    assert.equal(
      retryDelayMs(30, settings, () => 0.5),
      3_600_000,
    );
    assert.equal(
      retryDelayMs(1, settings, () => 0),
      4000,
    );
    assert.equal(
      retryDelayMs(1, settings, () => 0.999999),
      6000,
    );
    // With the defaults, a day of retries is about 30 attempts, the last ones an hour apart.
    let elapsed = 0;
    let n = 0;
    while (elapsed < 86_400_000) elapsed += retryDelayMs(++n, settings, () => 0.5);
    assert.ok(n > 20 && n < 40, `${n} attempts in a day`);
  });
});
