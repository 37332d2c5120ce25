import assert from 'node:assert/strict';
import { loadConfig } from '../../server/config/config.js';
import { parseDurationMillis } from '../../server/domain/duration.js';

describe('loadConfig: limits, proxies and database timeouts', () => {
  it('has defaults: 60 invites/min per key, 30 refused credentials/min per address, a 500 ms database timeout', () => {
    const c = loadConfig({});
    assert.equal(c.keyRateLimitPerMinute, 60);
    assert.equal(c.authFailuresPerMinute, 30);
    assert.deepEqual(c.trustedProxies, []);
    assert.equal(c.databaseTimeoutMs, 500);
    assert.equal(c.rateLimitSyncMs, 250);
    assert.equal(c.usageFlushMs, 5000);
  });

  it('reads them from the environment and the file', () => {
    const c = loadConfig(
      { INVITES_KEY_RATE_LIMIT: '120', INVITES_TRUSTED_PROXIES: 'loopback, 10.0.0.0/8', INVITES_DB_TIMEOUT: '2s' },
      { path: 'c.yaml', text: 'authFailureLimit: 5\nrateLimitSync: 100ms\nusageFlush: 1s\n' },
    );
    assert.equal(c.keyRateLimitPerMinute, 120);
    assert.equal(c.authFailuresPerMinute, 5);
    assert.deepEqual(c.trustedProxies, ['loopback', '10.0.0.0/8']);
    assert.equal(c.databaseTimeoutMs, 2000);
    assert.equal(c.rateLimitSyncMs, 100);
    assert.equal(c.usageFlushMs, 1000);
  });

  it('names each bad value', () => {
    assert.throws(() => loadConfig({ INVITES_KEY_RATE_LIMIT: '0' }), /keyRateLimit \(from INVITES_KEY_RATE_LIMIT\)/);
    assert.throws(() => loadConfig({ INVITES_AUTH_FAILURE_LIMIT: 'lots' }), /authFailureLimit \(from INVITES_AUTH_FAILURE_LIMIT\)/);
    assert.throws(
      () => loadConfig({ INVITES_TRUSTED_PROXIES: '10.0.0.300' }),
      /trustedProxies \(from INVITES_TRUSTED_PROXIES\): invalid IP address/,
    );
    assert.throws(
      () => loadConfig({ INVITES_DB_TIMEOUT: '5ms' }),
      /databaseTimeout \(from INVITES_DB_TIMEOUT\): "5ms" must be a duration from 50 ms/,
    );
  });

  it('parses millisecond durations', () => {
    assert.equal(parseDurationMillis('250'), 250);
    assert.equal(parseDurationMillis('250ms'), 250);
    assert.equal(parseDurationMillis('2s'), 2000);
    assert.equal(parseDurationMillis('1m'), 60_000);
    for (const bad of ['', '1.5s', '-1', '2d', 'ms']) assert.equal(parseDurationMillis(bad), undefined, bad);
  });
});
