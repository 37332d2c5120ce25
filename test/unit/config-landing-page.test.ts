import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../server/config/config.js';
import { DEFAULT_APPS, recommendedApps } from '../../server/config/recommended-apps.js';

const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, not ${String(err)}`);
    return err.message;
  }
  assert.fail('no error');
};

const hostFile = (host: Record<string, unknown>) => ({
  path: 'invites.json',
  text: JSON.stringify({ hosts: [{ name: 'example.com', publicBaseUrl: 'https://example.com', ...host }] }),
});
const conversations = {
  name: 'Conversations',
  text: 'For Android.',
  platforms: ['Android'],
  link: 'https://play.google.com/store/apps/details?id=eu.siacs.conversations',
};

describe('config: the landing page (apps and web sign-up)', () => {
  it("has mod_register_apps' apps and no web sign-up unless configured", () => {
    const host = loadConfig({}).hosts.get('localhost')!;
    assert.equal(host.webRegistrationTemplate, undefined);
    assert.deepEqual(
      recommendedApps(host).map((a) => a.id),
      ['conversations', 'yaxim', 'monal', 'siskin-im', 'gajim', 'dino', 'monal-macos', 'beagle-im'],
    );
  });

  it('takes a web sign-up page for every host from the environment, and per host from the file', () => {
    const env = { INVITES_WEB_REGISTRATION: 'https://{host}:5281/register?t={token}' };
    const c = loadConfig(env, {
      path: 'invites.yaml',
      text:
        'hosts:\n' +
        '  - name: example.com\n' +
        '    publicBaseUrl: https://example.com\n' +
        '  - name: chat.example.org\n' +
        '    publicBaseUrl: https://chat.example.org\n' +
        '    webRegistration: https://signup.example.org/?invite={token}\n',
    });
    assert.equal(c.hosts.get('example.com')!.webRegistrationTemplate, 'https://{host}:5281/register?t={token}');
    assert.equal(c.hosts.get('chat.example.org')!.webRegistrationTemplate, 'https://signup.example.org/?invite={token}');
  });

  it('refuses a web sign-up page without {token} or that is not an http(s) URL, naming the setting', () => {
    assert.match(
      errorOf(() => loadConfig({ INVITES_WEB_REGISTRATION: 'https://example.com/register' })),
      /webRegistration \(from INVITES_WEB_REGISTRATION\): must contain the \{token\} placeholder/,
    );
    assert.match(
      errorOf(() => loadConfig({}, hostFile({ webRegistration: 'javascript:alert({token})' }))),
      /hosts\[0\]\.webRegistration \(in invites\.json\): must be an http:\/\/ or https:\/\/ URL/,
    );
  });

  it("replaces the defaults with a host's own apps, ids from the names, and hides apps by id", () => {
    const c = loadConfig(
      {},
      hostFile({
        apps: [
          conversations,
          {
            ...conversations,
            name: 'Siskin IM',
            platforms: ['iOS'],
            link: 'https://apps.apple.com/app/id1153516838',
            supportsPreauthUri: true,
          },
        ],
        hideApps: ['conversations'],
      }),
    );
    const host = c.hosts.get('example.com')!;
    assert.deepEqual(
      host.apps!.map((a) => [a.id, a.supportsPreauthUri]),
      [
        ['conversations', false],
        ['siskin-im', true],
      ],
    );
    assert.deepEqual(
      recommendedApps(host).map((a) => a.name),
      ['Siskin IM'],
    );
    assert.deepEqual(
      recommendedApps(loadConfig({}, hostFile({ hideApps: ['yaxim', 'beagle-im'] })).hosts.get('example.com')).length,
      DEFAULT_APPS.length - 2,
    );
    assert.deepEqual(recommendedApps(loadConfig({}, hostFile({ apps: [] })).hosts.get('example.com')), [], 'an empty list shows no apps');
  });

  it('names each bad field of an app: http links, long texts, unknown platforms, bad magic links, duplicates', () => {
    const message = errorOf(() =>
      loadConfig(
        {},
        hostFile({
          apps: [
            { ...conversations, link: 'http://example.com/app' },
            { ...conversations, name: 'x'.repeat(41), text: 'y'.repeat(161), platforms: ['BeOS'] },
            { ...conversations, name: 'Other', magicLinkFormat: '{link}&referrer=x' },
            { ...conversations, name: 'Again', id: 'conversations', magicLinkFormat: 'javascript:{uri}' },
            { ...conversations, name: 'Extra', color: 'red' },
          ],
        }),
      ),
    );
    assert.match(message, /hosts\[0\]\.apps\[0\]\.link \(in invites\.json\): must be an https:\/\/ link/);
    assert.match(message, /hosts\[0\]\.apps\[1\]\.name \(in invites\.json\): must be at most 40 characters/);
    assert.match(message, /hosts\[0\]\.apps\[1\]\.text \(in invites\.json\): must be at most 160 characters/);
    assert.match(
      message,
      /hosts\[0\]\.apps\[1\]\.platforms\[0\] \(in invites\.json\): must be one of Android, iOS, Windows, macOS, Linux, Web/,
    );
    assert.match(message, /hosts\[0\]\.apps\[2\]\.magicLinkFormat \(in invites\.json\): must contain \{uri\} or \{token\}/);
    assert.match(message, /hosts\[0\]\.apps\[3\]\.magicLinkFormat \(in invites\.json\): must be an https:\/\/ link/);
    assert.match(message, /hosts\[0\]\.apps\[4\] \(in invites\.json\): Unrecognized key: "color"/);
  });

  it('refuses two apps with one id, and hiding an app that is not in the list (a typo would hide nothing)', () => {
    assert.match(
      errorOf(() => loadConfig({}, hostFile({ apps: [conversations, conversations] }))),
      /hosts\[0\]\.apps\[1\]\.id \(in invites\.json\): "conversations" is listed twice/,
    );
    assert.match(
      errorOf(() => loadConfig({}, hostFile({ hideApps: ['yaxm'] }))),
      /hosts \(example\.com\)\.hideApps: "yaxm" is not one of the apps \(conversations, yaxim, /,
    );
  });
});
