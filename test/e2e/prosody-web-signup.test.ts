import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { InviteStatus } from '../../gen/invites/v1/invite_pb.js';
import { launchChromium } from '../support/chromium.js';
import { eventually, startProsodyWithService, type ProsodyWithService } from '../support/prosody-service.js';
import { canLogIn, signUp } from '../support/xmpp-client.js';

// A person without an app: our landing page -> "Sign up in your browser" -> Prosody's
// mod_invites_register_web page (with our mod_password_policy, which Debian does not ship).
describe("web sign-up: our landing page to Prosody's mod_invites_register_web, in headless Chromium", function () {
  this.timeout(60_000);
  let env: ProsodyWithService;
  let browser: Browser;

  before(async () => {
    env = await startProsodyWithService({ hostModules: ['invites_page', 'invites_register_web'], webSignUp: true });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await env?.stop();
  });

  const accountExists = (username: string) => existsSync(join(env.prosody.dataDir, 'localhost', 'accounts', `${username}.dat`));
  const status = async (token: string) => (await env.invites.getInvite({ token })).invite?.status;

  /** Opens our landing page, follows its web sign-up link and submits Prosody's form; returns the page text. */
  async function signUpInBrowser(token: string, username: string, password: string): Promise<string> {
    const page = await browser.newPage();
    try {
      assert.equal((await page.goto(`${env.server.url}/invite?${token}`))?.status(), 200);
      const link = page.getByRole('link', { name: 'Sign up in your browser' });
      assert.equal(await link.getAttribute('href'), `http://127.0.0.1:${env.prosody.httpPort}/register?t=${token}`);
      await Promise.all([page.waitForURL(`http://127.0.0.1:${env.prosody.httpPort}/register?**`), link.click()]);
      await page.locator('input[name=user]').fill(username);
      await page.locator('input[name=password]').fill(password);
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Submit' }).click()]);
      await page.waitForSelector('.card-title, .alert');
      return await page.locator('body').innerText();
    } finally {
      await page.close();
    }
  }

  it('creates the account through the real Prosody page; it logs in over XMPP and our invite is used up', async () => {
    const { invite } = await env.invites.createInvite({}, env.auth);
    const text = await signUpInBrowser(invite!.token, 'webuser', 'a long secret 123');
    assert.match(text, /Congratulations!/);
    assert.equal(await canLogIn(env.prosody, 'webuser', 'a long secret 123'), true);
    assert.equal(await eventually(() => status(invite!.token), InviteStatus.USED_UP), InviteStatus.USED_UP);
    const stored = (await env.invites.getInvite({ token: invite!.token }, env.auth)).detail;
    assert.deepEqual(
      stored?.redemptions.map((r) => r.account),
      ['webuser'],
    );
  });

  it('a password against the policy is refused on the page; no account, the invite kept', async () => {
    const { invite } = await env.invites.createInvite({}, env.auth);
    const text = await signUpInBrowser(invite!.token, 'weaker', 'weaker-password');
    assert.match(text, /The password must not contain the username/);
    assert.equal(accountExists('weaker'), false);
    assert.equal(await status(invite!.token), InviteStatus.VALID);
  });

  it('an app signing up in-band (XEP-0077) meets the same policy before any use is held', async () => {
    const { invite } = await env.invites.createInvite({}, env.auth);
    const result = await signUp(env.prosody, { token: invite!.token, username: 'shorty', password: 'short' });
    assert.deepEqual(result, {
      ok: false,
      step: 'register',
      condition: 'not-acceptable',
      text: 'The password must be at least 8 characters long',
    });
    assert.equal(accountExists('shorty'), false);
    assert.equal(await status(invite!.token), InviteStatus.VALID);
  });
});
