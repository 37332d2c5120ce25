import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../server/config/config.js';
import { formatConfig } from '../../server/config/print-config.js';
import { SETTINGS } from '../../server/config/settings.js';

// Every setting away from its default, so a setting the printout leaves out shows as a difference.
const env = {
  PORT: '9191',
  INVITES_BIND: '127.0.0.1',
  MONGODB_URI: 'mongodb://alice:pa55w0rd@db1.example.net/?replicaSet=rs0',
  MONGODB_DATABASE: 'other_invites',
  INVITES_DATA_DIR: '/var/lib/invites',
  INVITES_ADMIN_TOKEN: 'an-admin-token-of-some-length',
  INVITES_INVITE_TTL: '60d',
  INVITES_MAX_INVITE_TTL: '90d',
  INVITES_EXPIRED_RETENTION: '36h',
  LOG_LEVEL: 'debug',
  INVITES_SHUTDOWN_TIMEOUT: '45s',
  INVITES_HEADERS_TIMEOUT: '5s',
  INVITES_REQUEST_TIMEOUT: '2m',
  INVITES_IDLE_TIMEOUT: '90s',
  INVITES_MAX_STREAMS: '50',
  INVITES_MAX_CONNECTIONS_PER_ADDRESS: '1000',
  INVITES_HEALTH_INTERVAL: '7s',
  INVITES_METRICS: 'off',
  INVITES_KEY_RATE_LIMIT: '10',
  INVITES_AUTH_FAILURE_LIMIT: '3',
  INVITES_PUBLIC_READ_LIMIT: '40',
  INVITES_TRUSTED_PROXIES: 'loopback, 10.0.0.0/8',
  INVITES_DB_TIMEOUT: '1500ms',
  INVITES_RATE_LIMIT_SYNC: '100ms',
  INVITES_USAGE_FLUSH: '2m',
  INVITES_HOLD_TTL: '90s',
  INVITES_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'yes',
  INVITES_WEBHOOK_TIMEOUT: '3s',
  INVITES_WEBHOOK_RETRY_BASE: '2s',
  INVITES_WEBHOOK_RETRY_MAX_DELAY: '30m',
  INVITES_WEBHOOK_GIVE_UP_AFTER: '2d',
  INVITES_WEBHOOK_POLL: '500ms',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
  OTEL_SERVICE_NAME: 'invites-eu',
  INVITES_WEB_REGISTRATION: 'https://{host}:5281/register?t={token}',
  INVITES_USER_INVITE_QUOTA: '5/7d',
};
const file = {
  path: 'invites.json',
  text: JSON.stringify({
    hosts: [
      {
        name: 'example.com',
        publicBaseUrl: 'https://example.com',
        inviteTtl: '3d',
        maxInviteTtl: '14d',
        landingPage: 'https://join.example.com/{host}/{token}',
        webRegistration: 'https://example.com/signup/{token}',
        userInviteQuota: { count: 20, period: '30d' },
        apps: [
          {
            name: 'Conversations',
            text: 'For Android.',
            platforms: ['Android'],
            link: 'https://play.google.com/store/apps/details?id=eu.siacs.conversations',
            supportsPreauthUri: true,
            magicLinkFormat: '{link}&referrer={uri}',
          },
          { id: 'gajim', name: 'Gajim', text: 'For computers.', platforms: ['Windows', 'Linux'], link: 'https://gajim.org/download/' },
        ],
        hideApps: ['gajim'],
      },
      { name: 'chat.example.org', publicBaseUrl: 'https://chat.example.org' },
    ],
  }),
};

describe('--print-config round trip', () => {
  it('prints a config file that loads back to the same configuration, for non-default values of every setting', () => {
    // Hosts come from the file: per-host settings need it.
    for (const s of Object.values(SETTINGS)) assert.ok(s.env in env || s.key === 'hosts', `the test sets ${s.env}`);
    const config = loadConfig(env, file);
    const defaults = loadConfig({}) as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(config)) assert.notDeepEqual(value, defaults[key], `${key} is not at its default`);
    for (const format of ['yaml', 'json'] as const) {
      const text = formatConfig(config, format);
      // YAML is a superset of JSON: one parser reads both printouts.
      const printed = parseYaml(text) as Record<string, unknown>;
      assert.equal(printed.adminToken, '********', 'the admin token stays masked');
      assert.ok(!text.includes('pa55w0rd'), 'the database password stays masked');
      // The masked secrets are what an operator fills back in.
      printed.adminToken = env.INVITES_ADMIN_TOKEN;
      printed.mongodbUri = env.MONGODB_URI;
      const reloaded = loadConfig(
        {},
        {
          path: `again.${format}`,
          text:
            format === 'json'
              ? JSON.stringify(printed)
              : text
                  .replace(/^adminToken: .*$/m, `adminToken: ${env.INVITES_ADMIN_TOKEN}`)
                  .replace(/^mongodbUri: .*$/m, `mongodbUri: ${env.MONGODB_URI}`),
        },
      );
      assert.deepEqual(reloaded, config, format);
    }
  });

  it('prints the limits from the issue so that the file loads (60d invites under a 90d maximum)', () => {
    const config = loadConfig({ INVITES_KEY_RATE_LIMIT: '10', INVITES_MAX_INVITE_TTL: '90d', INVITES_INVITE_TTL: '60d' });
    const text = formatConfig(config, 'yaml');
    assert.deepEqual(loadConfig({}, { path: 'printed.yaml', text }), config);
    const printed = parseYaml(text) as Record<string, unknown>;
    assert.equal(printed.keyRateLimit, 10);
    assert.equal(printed.maxInviteTtl, '90d');
  });
});
