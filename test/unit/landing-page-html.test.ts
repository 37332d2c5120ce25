import assert from 'node:assert/strict';
import { escapeHtml, notFoundPage, unavailableInvitePage, validInvitePage } from '../../server/transport/http/landing-page-html.js';
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

  it('words each unavailable state and the unknown token for a person', () => {
    assert.match(unavailableInvitePage(invite({ status: 'expired' })), /<h1>This invite has expired<\/h1>/);
    assert.match(unavailableInvitePage(invite({ status: 'used_up' })), /<h1>This invite has already been used<\/h1>/);
    assert.match(unavailableInvitePage(invite({ status: 'revoked' })), /<h1>This invite was withdrawn<\/h1>/);
    assert.match(notFoundPage(), /<h1>Invite not found<\/h1>/);
  });
});
