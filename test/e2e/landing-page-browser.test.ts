import assert from 'node:assert/strict';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import jsQRModule from 'jsqr';
import type { Browser, BrowserContext } from 'playwright-core';
import { PNG } from 'pngjs';
import { InviteService } from '../../gen/invites/v1/invite_service_pb.js';
import { KeyAdmin } from '../../gen/invites/v1/key_admin_pb.js';
import { launchChromium } from '../support/chromium.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// jsqr is CommonJS: its function is the module itself, typed as its `default`.
const jsQR = jsQRModule.default;

// example.com as before; chat.example.org with a web sign-up page (mod_invites_register_web's URL).
const CONFIG = [
  'hosts:',
  '  - name: example.com',
  '    publicBaseUrl: https://example.com',
  '  - name: chat.example.org',
  '    publicBaseUrl: https://chat.example.org',
  '    webRegistration: https://{host}:5281/register?t={token}',
].join('\n');

const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36',
};

describe('the invite landing page in headless Chromium', function () {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let invites: ReturnType<typeof createClient<typeof InviteService>>;
  let key: { headers: { authorization: string } };
  /** A key of chat.example.org, the host with a web sign-up page. */
  let webKey: { headers: { authorization: string } };
  const cspViolations: string[] = [];

  before(async () => {
    server = await startTestServer({}, { configFile: CONFIG });
    browser = await launchChromium();
    // The page must work without JavaScript, so the browser runs none.
    context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 800, height: 1200 } });
    const admin = { headers: { authorization: `Bearer ${server.adminToken}` } };
    const fullKey = (
      await createClient(KeyAdmin, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' })).createKey(
        { host: 'example.com' },
        admin,
      )
    ).fullKey;
    key = { headers: { authorization: `Bearer ${fullKey}` } };
    const webFullKey = (
      await createClient(KeyAdmin, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' })).createKey(
        { host: 'chat.example.org' },
        admin,
      )
    ).fullKey;
    webKey = { headers: { authorization: `Bearer ${webFullKey}` } };
    invites = createClient(InviteService, createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }));
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  /** Opens the landing page of `token` on the test server (the configured public URL is https://example.com). */
  async function open(token: string) {
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
    });
    const response = await page.goto(`${server.url}/invite?${token}`);
    return { page, status: response?.status() };
  }

  it('shows a fresh invite: host, expiry, an "Open in your app" link to the xmpp: URI, and a QR code of it', async () => {
    const { invite } = await invites.createInvite({}, key);
    const { page, status } = await open(invite!.token);
    assert.equal(status, 200);
    assert.equal(await page.title(), 'Invite to example.com');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'You are invited to join example.com');
    const link = page.getByRole('link', { name: 'Open in your app' });
    assert.equal(await link.getAttribute('href'), invite!.uri);
    const expiry = page.locator('time');
    assert.equal(
      await expiry.getAttribute('datetime'),
      new Date(Number(invite!.expireTime!.seconds) * 1000 + invite!.expireTime!.nanos / 1e6).toISOString(),
    );
    assert.match((await expiry.textContent()) ?? '', /^\d{1,2} \w+ \d{4} at \d{2}:\d{2} UTC$/);

    const qr = page.getByRole('img', { name: 'QR code of the invite link' });
    const png = PNG.sync.read(await qr.screenshot());
    const decoded = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height);
    assert.ok(decoded, 'the screenshot holds a readable QR code');
    assert.equal(decoded.data, invite!.uri);

    // The inline stylesheet is allowed by the CSP hash, so the page is styled, and nothing was refused.
    assert.equal(await link.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(11, 87, 208)');
    assert.deepEqual(cspViolations, []);
    await page.close();
  });

  it('tells a person the invite has expired', async () => {
    const { invite } = await invites.createInvite({ ttlSeconds: 1 }, key);
    const expiresAt = Number(invite!.expireTime!.seconds) * 1000 + invite!.expireTime!.nanos / 1e6;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 50));
    const { page, status } = await open(invite!.token);
    assert.equal(status, 410);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'This invite has expired');
    assert.match(await page.locator('main').innerText(), /Ask the person who sent it for a new one/);
    assert.equal(await page.getByRole('link', { name: 'Open in your app' }).count(), 0, 'no link to a dead invite');
    await page.close();
  });

  it('tells a person the invite was revoked', async () => {
    const { invite } = await invites.createInvite({}, key);
    await invites.revokeInvite({ token: invite!.token }, key);
    const { page, status } = await open(invite!.token);
    assert.equal(status, 410);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'This invite was withdrawn');
    assert.equal(await page.getByRole('img', { name: 'QR code of the invite link' }).count(), 0);
    await page.close();
  });

  it('answers an unknown token with a 404 page', async () => {
    const { page, status } = await open('AAAAAAAAAAAAAAAAAAAAAAAA');
    assert.equal(status, 404);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Invite not found');
    await page.close();
  });

  it('fits a phone screen: no sideways scrolling, the Android apps first, the sign-up link to the host page with the token', async () => {
    const { invite } = await invites.createInvite({}, webKey);
    const phone = await browser.newContext({ ...PHONE, javaScriptEnabled: false });
    const page = await phone.newPage();
    assert.equal((await page.goto(`${server.url}/invite?${invite!.token}`))?.status(), 200);
    const widths = await page.evaluate('({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })');
    assert.deepEqual(widths, { scroll: 390, client: 390 }, 'nothing sticks out sideways');

    const signUp = page.getByRole('link', { name: 'Sign up in your browser' });
    assert.equal(await signUp.getAttribute('href'), `https://chat.example.org:5281/register?t=${encodeURIComponent(invite!.token)}`);
    assert.ok(await signUp.isVisible());
    const box = (await signUp.boundingBox())!;
    assert.ok(box.y + box.height <= 844, 'the sign-up button is on the first screen');
    assert.ok(box.width >= 300, 'a full-width button a thumb can hit');

    const firstGroup = page.locator('details').first();
    assert.equal(await firstGroup.locator('h3').textContent(), 'Android');
    assert.ok(await page.getByRole('link', { name: 'Get Conversations' }).isVisible(), 'the Android apps are open');
    assert.equal(await page.getByRole('link', { name: 'Get Monal' }).first().isVisible(), false, 'the other platforms are folded');
    assert.match(
      (await page.getByRole('link', { name: 'Get Conversations' }).getAttribute('href'))!,
      /&referrer=xmpp%3Achat\.example\.org%3Fregister%3Bpreauth%3D/,
    );
    assert.deepEqual(cspViolations, []);
    await phone.close();
  });
});
