import assert from 'node:assert/strict';
import { startProsodyWithService, type ProsodyWithService } from '../support/prosody-service.js';
import { logIn, signUp } from '../support/xmpp-client.js';

// prosody-modules' mod_invites_page (with mod_register_apps) on top of our mod_invites, unchanged.
describe("Prosody's invite page (mod_invites_page) with our store", function () {
  this.timeout(60_000);
  let env: ProsodyWithService;

  before(async () => {
    env = await startProsodyWithService({ hostModules: ['invites_page'] });
  });
  after(async () => {
    await env?.stop();
  });

  const page = async (query: string) => {
    const res = await fetch(`http://127.0.0.1:${env.prosody.httpPort}/invites_page?${query}`);
    return { status: res.status, link: res.headers.get('link'), body: await res.text() };
  };

  it('shows an invite of our store with its URI and app list, and an expired page for a revoked or unknown one', async () => {
    const { invite } = await env.invites.createInvite({}, env.auth);
    const shown = await page(invite!.token);
    assert.equal(shown.status, 200);
    assert.equal(shown.link, `<xmpp:localhost?register;preauth=${invite!.token}>; rel="alternate"`);
    assert.match(shown.body, /Conversations/, 'the apps of mod_register_apps');
    assert.doesNotMatch(shown.body, /Invite expired/);

    await env.invites.revokeInvite({ token: invite!.token }, env.auth);
    assert.match((await page(invite!.token)).body, /Invite expired/, 'revoked');
    assert.match((await page('AAAAAAAAAAAAAAAAAAAAAAAA')).body, /Invite expired/, 'unknown');
  });

  const adminCommandTitle =
    'an admin\'s "Create new account invite" command makes an invite in our store, ' + "announced with Prosody's page (invite-created)";
  it(adminCommandTitle, async () => {
    const { invite } = await env.invites.createInvite({}, env.auth);
    assert.deepEqual(await signUp(env.prosody, { token: invite!.token, username: 'admin', password: 'pw' }), { ok: true });
    const session = await logIn(env.prosody, 'admin', 'pw');
    let form: Map<string, string>;
    try {
      form = await session.executeCommand('urn:xmpp:invite#create-account');
    } finally {
      await session.stop();
    }
    const token = /preauth=([A-Za-z0-9_-]{24})$/.exec(form.get('uri') ?? '')?.[1];
    assert.ok(token, `an invite URI: ${[...form]}`);
    assert.match(
      form.get('landing-url') ?? '',
      new RegExp(`/invites_page\\?${token}$`),
      'mod_invites_page set its own page on invite-created',
    );
    const stored = (await env.invites.getInvite({ token }, env.auth)).detail;
    assert.equal(stored?.uri, `xmpp:localhost?register;preauth=${token}`);
    assert.equal(stored?.inviter, 'admin', 'our store records the admin who made it');
    assert.deepEqual(await signUp(env.prosody, { token, username: 'invitee', password: 'pw' }), { ok: true });
  });
});
