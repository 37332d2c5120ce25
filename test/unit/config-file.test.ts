import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { ConfigError, loadConfig } from '../../server/config/config.js';
import { formatConfig, maskMongoUri, printableConfig } from '../../server/config/print-config.js';

const errorOf = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, not ${String(err)}`);
    return err;
  }
  assert.fail('no error');
};

describe('config file', () => {
  it('names the bad field inside a YAML file, down to the list entry', () => {
    const text = [
      'hosts:',
      '  - name: example.com',
      '    publicBaseUrl: https://example.com',
      '  - name: chat.example.org',
      '    publicBaseUrl: gopher://x',
      '    inviteTtl: soon',
    ].join('\n');
    const err = errorOf(() => loadConfig({}, { path: '/etc/invites.yaml', text }));
    assert.match(err.message, /hosts\[1\]\.publicBaseUrl \(in \/etc\/invites\.yaml\): must be an http:\/\/ or https:\/\/ URL/);
    assert.match(err.message, /hosts\[1\]\.inviteTtl \(in \/etc\/invites\.yaml\): "soon" is not a duration/);
  });

  it('reads the health check interval and the metrics switch from file or environment', () => {
    const c = loadConfig({ INVITES_METRICS: 'off' }, { path: 'c.json', text: '{"healthCheckInterval": "5s", "metrics": true}' });
    assert.equal(c.healthCheckIntervalSeconds, 5);
    assert.equal(c.metricsEnabled, false, 'the environment wins');
    const d = loadConfig({});
    assert.equal(d.healthCheckIntervalSeconds, 2);
    assert.equal(d.metricsEnabled, true);
    assert.match(
      errorOf(() => loadConfig({ INVITES_METRICS: 'perhaps' })).message,
      /metrics \(from INVITES_METRICS\): "perhaps" is not true or false/,
    );
    assert.match(
      errorOf(() => loadConfig({ INVITES_HEALTH_INTERVAL: '0' })).message,
      /healthCheckInterval \(from INVITES_HEALTH_INTERVAL\): must be longer than 0 seconds/,
    );
  });
});

describe('--print-config', () => {
  const env = {
    MONGODB_URI: 'mongodb://alice:pa55w0rd@db1.example.net,db2.example.net/?replicaSet=rs0&tlsCertificateKeyFilePassword=hunter2',
    INVITES_ADMIN_TOKEN: 'admin-token-that-must-not-show',
    INVITES_HOSTS: 'example.com=https://example.com',
    INVITES_INVITE_TTL: '36h',
  };

  it('masks the admin token and the database password, keeping what an operator needs to see', () => {
    const text = formatConfig(loadConfig(env), 'yaml');
    assert.ok(!text.includes('admin-token-that-must-not-show'));
    assert.ok(!text.includes('pa55w0rd'));
    assert.ok(!text.includes('hunter2'));
    assert.match(
      text,
      /mongodbUri: mongodb:\/\/alice:\*{8}@db1\.example\.net,db2\.example\.net\/\?replicaSet=rs0&tlsCertificateKeyFilePassword=\*{8}/,
    );
    assert.match(text, /adminToken: "\*{8}"/);
  });

  it('prints a config file that loads back to the same configuration (secrets aside)', () => {
    const config = loadConfig(env, {
      path: 'c.yaml',
      text:
        'hosts:\n' +
        '  - name: example.com\n' +
        '    publicBaseUrl: https://example.com\n' +
        '    landingPage: https://join.example.com/{token}\n' +
        'logLevel: warn\n',
    });
    for (const format of ['yaml', 'json'] as const) {
      // YAML is a superset of JSON: one parser reads both printouts.
      const printed = parseYaml(formatConfig(config, format)) as Record<string, unknown>;
      // The masked secrets are what an operator fills back in.
      printed.adminToken = env.INVITES_ADMIN_TOKEN;
      printed.mongodbUri = env.MONGODB_URI;
      const reloaded = loadConfig({}, { path: 'again.json', text: JSON.stringify(printed) });
      assert.deepEqual(reloaded, config, format);
    }
    assert.equal((printableConfig(config).hosts as Array<{ inviteTtl: string }>)[0]!.inviteTtl, '36h');
  });

  it('leaves out what is not set (no database URI: the embedded engine)', () => {
    const printed = printableConfig(loadConfig({}));
    assert.equal('mongodbUri' in printed, false);
    assert.equal('adminToken' in printed, false);
  });

  it('masks the password of a collector URL', () => {
    const text = formatConfig(
      loadConfig({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel:s3cr3t@collector.example.net:4318' }),
      'yaml',
    );
    assert.ok(!text.includes('s3cr3t'));
    assert.match(text, /otlpEndpoint: https:\/\/otel:\*{8}@collector\.example\.net:4318/);
  });

  it('masks only the password of a URI, and URIs without credentials stay as they are', () => {
    assert.equal(maskMongoUri('mongodb+srv://bob:x%40y@cluster0.example.net/db'), 'mongodb+srv://bob:********@cluster0.example.net/db');
    assert.equal(maskMongoUri('mongodb://db1:27017/?replicaSet=rs0'), 'mongodb://db1:27017/?replicaSet=rs0');
    assert.equal(maskMongoUri('mongodb://x509user@db1/?authMechanism=MONGODB-X509'), 'mongodb://x509user@db1/?authMechanism=MONGODB-X509');
    assert.equal(
      maskMongoUri('mongodb://h/?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:abc'),
      'mongodb://h/?authMechanism=MONGODB-AWS&authMechanismProperties=********',
    );
  });
});
