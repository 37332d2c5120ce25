import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../server/config/config.js';

describe('loadConfig', () => {
  it('needs nothing for the quick start: one host, localhost, on port 8080', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.mongodbUri, undefined);
    assert.equal(c.dataDir, './data');
    assert.deepEqual([...c.hosts.keys()], ['localhost']);
    const host = c.hosts.get('localhost')!;
    assert.equal(host.publicBaseUrl, 'http://localhost:8080');
    assert.equal(host.inviteTtlSeconds, 7 * 86400);
    assert.equal(host.landingPageTemplate, 'http://localhost:8080/invite?{token}');
  });

  it('reads hosts, lifetimes and the database from the environment', () => {
    const c = loadConfig({
      PORT: '9000',
      INVITES_HOSTS: 'Example.com=https://example.com/, chat.example.org=https://invite.example.org',
      INVITES_INVITE_TTL: '12h',
      MONGODB_URI: 'mongodb://db1,db2/?replicaSet=rs0',
      MONGODB_DATABASE: 'prod_invites',
    });
    assert.equal(c.port, 9000);
    assert.deepEqual([...c.hosts.keys()], ['example.com', 'chat.example.org']);
    assert.equal(c.hosts.get('example.com')!.publicBaseUrl, 'https://example.com');
    assert.equal(c.hosts.get('chat.example.org')!.inviteTtlSeconds, 12 * 3600);
    assert.equal(c.mongodbUri, 'mongodb://db1,db2/?replicaSet=rs0');
    assert.equal(c.mongodbDatabase, 'prod_invites');
  });

  it('reads per-host lifetime and landing page from a YAML file, with the environment winning', () => {
    const text = [
      'port: 7000',
      'hosts:',
      '  - name: example.com',
      '    publicBaseUrl: https://example.com',
      '    inviteTtl: 3d',
      '    landingPage: https://join.example.com/{host}/{token}',
    ].join('\n');
    const c = loadConfig({ PORT: '7001' }, { path: 'invites.yaml', text });
    assert.equal(c.port, 7001);
    const host = c.hosts.get('example.com')!;
    assert.equal(host.inviteTtlSeconds, 3 * 86400);
    assert.equal(host.landingPageTemplate, 'https://join.example.com/{host}/{token}');
  });

  it('reports every bad setting at once, naming it and where it came from', () => {
    let error: unknown;
    try {
      loadConfig(
        { PORT: 'eighty', INVITES_HOSTS: 'example.com=ftp://x', INVITES_INVITE_TTL: 'a week' },
        { path: 'c.json', text: '{"logLevel": "loud"}' },
      );
    } catch (err) {
      error = err;
    }
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /port \(from PORT\)/);
    assert.match(error.message, /hosts\[0\]\.publicBaseUrl \(from INVITES_HOSTS\): must be an http:\/\/ or https:\/\/ URL/);
    assert.match(error.message, /inviteTtl \(from INVITES_INVITE_TTL\): "a week" is not a duration/);
    assert.match(error.message, /logLevel \(in c\.json\)/);
  });

  it('bounds invite lifetimes per host: 30 days by default, from the environment or the file', () => {
    assert.equal(loadConfig({}).hosts.get('localhost')!.maxInviteTtlSeconds, 30 * 86400);
    assert.equal(loadConfig({ INVITES_MAX_INVITE_TTL: '2w' }).hosts.get('localhost')!.maxInviteTtlSeconds, 14 * 86400);
    const text = [
      'maxInviteTtl: 10d',
      'hosts:',
      '  - name: example.com',
      '    publicBaseUrl: https://example.com',
      '    inviteTtl: 1h',
      '    maxInviteTtl: 1d',
      '  - name: chat.example.org',
      '    publicBaseUrl: https://chat.example.org',
    ].join('\n');
    const c = loadConfig({}, { path: 'invites.yaml', text });
    assert.equal(c.hosts.get('example.com')!.maxInviteTtlSeconds, 86400);
    assert.equal(c.hosts.get('chat.example.org')!.maxInviteTtlSeconds, 10 * 86400);
  });

  it('refuses a default invite lifetime longer than the maximum, naming both settings', () => {
    assert.throws(
      () => loadConfig({ INVITES_INVITE_TTL: '7d', INVITES_MAX_INVITE_TTL: '1d' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /localhost.*inviteTtl.*maxInviteTtl/);
        return true;
      },
    );
    assert.throws(
      () => loadConfig({ INVITES_MAX_INVITE_TTL: '0' }),
      /maxInviteTtl \(from INVITES_MAX_INVITE_TTL\): must be longer than 0 seconds/,
    );
  });

  it('refuses unknown fields, unparsable files and duplicate hosts', () => {
    assert.throws(() => loadConfig({}, { path: 'c.yaml', text: 'prot: 80' }), /prot/);
    assert.throws(() => loadConfig({}, { path: 'c.json', text: '{nope' }), /cannot be parsed/);
    assert.throws(() => loadConfig({ INVITES_HOSTS: 'a.org=http://a,a.org=http://b' }), /listed twice/);
    assert.throws(() => loadConfig({ INVITES_HOSTS: 'not a host=http://a' }), /domain name/);
  });
});
