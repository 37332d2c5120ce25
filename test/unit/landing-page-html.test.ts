import assert from 'node:assert/strict';
import { DEFAULT_APPS, type RecommendedApp } from '../../server/config/recommended-apps.js';
import {
  escapeHtml,
  fillUrlTemplate,
  notFoundPage,
  unavailableInvitePage,
  validInvitePage,
} from '../../server/transport/http/landing-page-html.js';
import { visitorPlatform } from '../../server/transport/http/visitor-platform.js';
import type { PublicInvite } from '../../server/service/invite-view.js';

const invite = (overrides: Partial<PublicInvite> = {}): PublicInvite => ({
  token: 'lGmyJgq3YNw1XuKEm2a7sNjd',
  host: 'example.com',
  kind: 'register',
  uri: 'xmpp:example.com?register;preauth=lGmyJgq3YNw1XuKEm2a7sNjd',
  landingPageUrl: 'https://example.com/invite?lGmyJgq3YNw1XuKEm2a7sNjd',
  expiresAt: new Date('2026-12-05T10:00:00Z'),
  status: 'valid',
  remainingUses: 1,
  username: '',
  inviter: '',
  allowRegistration: true,
  ...overrides,
});

describe('landing page HTML', () => {
  it('escapes the five characters that matter in HTML text and attributes', () => {
    assert.equal(escapeHtml(`<a href="x" onclick='y'>&</a>`), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('escapes whatever reaches the page, so markup in a host or URI stays text', async () => {
    const html = await validInvitePage(invite({ host: '<script>alert(1)</script>', uri: 'xmpp:x?"><img src=x onerror=alert(1)>' }));
    assert.ok(!html.includes('<script>alert(1)'), 'no script element from data');
    assert.ok(!html.includes('<img src=x'), 'no img element from data');
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /href="xmpp:x\?&quot;&gt;&lt;img src=x onerror=alert\(1\)&gt;"/);
    const gone = unavailableInvitePage(invite({ host: '<b>x</b>', status: 'revoked' }));
    assert.ok(!gone.includes('<b>x</b>'));
  });

  it('is a whole, accessible document: language, title, headings, expiry as a machine-readable time', async () => {
    const html = await validInvitePage(invite({ remainingUses: 3 }));
    assert.match(html, /^<!doctype html>\n<html lang="en">/);
    assert.match(html, /<title>Invite to example\.com<\/title>/);
    assert.match(html, /<h1>You are invited to join example\.com<\/h1>/);
    assert.match(html, /<time datetime="2026-12-05T10:00:00\.000Z">5 December 2026 at 10:00 UTC<\/time>/);
    assert.match(html, /It can register 3 more accounts\./);
    assert.match(html, /<figure class="qr" id="invite-qr" role="img" aria-label="QR code of the invite link"><svg /);
    assert.ok(!/<script/i.test(html), 'no JavaScript');
  });

  it("words a contact invite with the inviter's name: sign-up and apps only when it also lets a new account register", async () => {
    const contact = invite({ kind: 'roster', inviter: 'alice', allowRegistration: false, uri: 'xmpp:alice@example.com?roster;preauth=T' });
    const html = await validInvitePage(contact, { apps: DEFAULT_APPS, webRegistrationUrl: 'https://example.com/register' });
    assert.match(html, /<h1>alice invites you to chat on example\.com<\/h1>/);
    assert.match(html, /add <strong>alice@example\.com<\/strong> to your contacts/);
    assert.match(html, /<a class="button" id="open-in-app" href="xmpp:alice@example\.com\?roster;preauth=T">/);
    assert.ok(
      !html.includes('Recommended apps') && !html.includes('id="sign-up-web"'),
      'no sign-up for someone who needs an account already',
    );
    const withIbr = await validInvitePage(
      { ...contact, allowRegistration: true, uri: `${contact.uri};ibr=y` },
      { apps: DEFAULT_APPS, webRegistrationUrl: 'https://example.com/register' },
    );
    assert.match(withIbr, /<h1>alice invites you to chat on example\.com<\/h1>/);
    assert.ok(withIbr.includes('Recommended apps') && withIbr.includes('Sign up in your browser'));
  });

  it('words a password reset for its account, without the app list, keeping the web page when the host has one', async () => {
    const reset = invite({ kind: 'password_reset', username: 'carol', uri: 'xmpp:carol@example.com?register;preauth=T' });
    const html = await validInvitePage(reset, { apps: DEFAULT_APPS, webRegistrationUrl: 'https://example.com/register?t=T' });
    assert.match(html, /<title>Reset the password of carol@example\.com<\/title>/);
    assert.match(html, /<h1>Reset the password of carol@example\.com<\/h1>/);
    assert.ok(!html.includes('Recommended apps') && !html.includes('Install a chat app'));
    assert.match(html, /id="open-in-app" href="xmpp:carol@example\.com\?register;preauth=T"/);
    assert.match(
      html,
      /<a class="button secondary" id="sign-up-web" href="https:\/\/example\.com\/register\?t=T">Reset it in your browser<\/a>/,
    );
    const escaped = await validInvitePage(invite({ kind: 'password_reset', username: '<b>x</b>' }));
    assert.ok(!escaped.includes('<b>x</b>'), 'the username is escaped');
  });

  it('words each unavailable state and the unknown token for a person', () => {
    assert.match(unavailableInvitePage(invite({ status: 'expired' })), /<h1>This invite has expired<\/h1>/);
    assert.match(unavailableInvitePage(invite({ status: 'used_up' })), /<h1>This invite has already been used<\/h1>/);
    assert.match(unavailableInvitePage(invite({ status: 'revoked' })), /<h1>This invite was withdrawn<\/h1>/);
    assert.match(notFoundPage(), /<h1>Invite not found<\/h1>/);
  });

  describe('recommended apps and web sign-up', () => {
    const app = (overrides: Partial<RecommendedApp>): RecommendedApp => ({
      id: 'app',
      name: 'App',
      text: 'An app.',
      platforms: ['Android'],
      link: 'https://example.org/app',
      supportsPreauthUri: false,
      ...overrides,
    });
    /** The app ids in each platform group, in page order, and whether the group is open. */
    const groups = (html: string) =>
      [...html.matchAll(/<details id="apps-(\w+)"( open)?>([\s\S]*?)<\/details>/g)].map((m) => ({
        group: m[1],
        open: Boolean(m[2]),
        apps: [...m[3]!.matchAll(/data-app="([^"]+)"/g)].map((a) => a[1]),
      }));

    it("groups mod_register_apps' apps by platform, an app in each of its platforms", async () => {
      const html = await validInvitePage(invite(), { apps: DEFAULT_APPS });
      assert.deepEqual(groups(html), [
        { group: 'android', open: true, apps: ['conversations', 'yaxim'] },
        { group: 'ios', open: true, apps: ['monal', 'siskin-im'] },
        { group: 'desktop', open: true, apps: ['gajim', 'dino', 'monal-macos', 'beagle-im'] },
      ]);
      const multi = await validInvitePage(invite(), { apps: [app({ id: 'everywhere', platforms: ['Android', 'Linux', 'Web'] })] });
      assert.deepEqual(
        groups(multi).map((g) => [g.group, g.apps]),
        [
          ['android', ['everywhere']],
          ['desktop', ['everywhere']],
          ['web', ['everywhere']],
        ],
      );
    });

    it("puts the visitor's platform first and open, the others folded", async () => {
      const html = await validInvitePage(invite(), { apps: DEFAULT_APPS, platform: 'ios' });
      assert.deepEqual(
        groups(html).map((g) => [g.group, g.open]),
        [
          ['ios', true],
          ['android', false],
          ['desktop', false],
        ],
      );
      assert.match(html, /<h3>iPhone and iPad<\/h3><span class="here">This device<\/span>/);
      assert.equal(visitorPlatform('Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15'), 'ios');
      assert.equal(visitorPlatform('Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Mobile'), 'android');
      assert.equal(visitorPlatform('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36'), 'desktop');
      assert.equal(visitorPlatform(undefined), undefined);
    });

    it('links each app: the Play Store install referrer with the URL-encoded invite URI, or the store page', async () => {
      const html = await validInvitePage(invite(), { apps: DEFAULT_APPS });
      assert.ok(
        html.includes(
          'href="https://play.google.com/store/apps/details?id=eu.siacs.conversations' +
            '&amp;referrer=xmpp%3Aexample.com%3Fregister%3Bpreauth%3DlGmyJgq3YNw1XuKEm2a7sNjd"',
        ),
        'Conversations gets the invite through the install referrer, as mod_register_apps links it',
      );
      assert.match(html, /<a class="small" href="https:\/\/apps\.apple\.com\/app\/id317711500" rel="noopener noreferrer">Get Monal<\/a>/);
      assert.match(html, /Install it, then come back and tap “Open in your app”\./, 'an app that opens invites: install, then open');
      assert.match(html, /Gajim cannot open invites: create your account with one of the other apps, then log in here\./);
    });

    it('escapes configured app text, so an operator typo cannot break the page', async () => {
      const html = await validInvitePage(invite(), {
        apps: [
          app({ id: 'x', name: '<b>Bold</b>', text: 'Fast & "safe" <script>alert(1)</script>', link: 'https://example.org/?a=1&b="2"' }),
        ],
      });
      assert.ok(!html.includes('<b>Bold</b>') && !html.includes('<script>alert(1)'));
      assert.match(html, /<h4 class="name">&lt;b&gt;Bold&lt;\/b&gt;<\/h4>/);
      assert.match(html, /Fast &amp; &quot;safe&quot; &lt;script&gt;/);
      assert.match(html, /href="https:\/\/example\.org\/\?a=1&amp;b=&quot;2&quot;"/);
    });

    it('offers "Sign up in your browser" above the apps only when the host has a web sign-up page', async () => {
      const without = await validInvitePage(invite(), { apps: DEFAULT_APPS });
      assert.ok(!without.includes('Sign up in your browser'));
      assert.match(without, /<a class="button" id="open-in-app"/, 'the app link is the main button then');
      const url = 'https://example.com:5281/register?t=a%2Bb%26c';
      const withWeb = await validInvitePage(invite(), { apps: DEFAULT_APPS, webRegistrationUrl: url });
      assert.match(
        withWeb,
        /<a class="button" id="sign-up-web" href="https:\/\/example\.com:5281\/register\?t=a%2Bb%26c">Sign up in your browser<\/a>/,
      );
      assert.ok(withWeb.indexOf('id="sign-up-web"') < withWeb.indexOf('id="apps-heading"'), 'above the app list');
      assert.match(withWeb, /Sign up in your browser first, then log in to Gajim with your new address\./);
    });

    it('fills a web sign-up template with the URL-encoded token and host, leaving other braces alone', () => {
      assert.equal(
        fillUrlTemplate('https://{host}:5281/register?t={token}', { token: 'a+b&c/d', host: 'example.com' }),
        'https://example.com:5281/register?t=a%2Bb%26c%2Fd',
      );
      assert.equal(fillUrlTemplate('https://x/{other}/{token}', { token: 'T' }), 'https://x/{other}/T');
    });

    it('leaves the app list out when a host hides every app, keeping the invite link', async () => {
      const html = await validInvitePage(invite(), { apps: [] });
      assert.ok(!html.includes('Recommended apps'));
      assert.match(html, /id="open-in-app"/);
    });
  });
});
