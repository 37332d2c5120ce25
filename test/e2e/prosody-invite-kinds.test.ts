import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { xml } from '@xmpp/client';
import { eventually, startProsodyWithService, type ProsodyWithService } from '../support/prosody-service.js';
import { canLogIn, logIn, signUp } from '../support/xmpp-client.js';

// The invite kinds Prosody makes (username-bound, password reset, contact) through our store.
describe('Prosody invite kinds backed by our store', function () {
  this.timeout(60_000);
  let env: ProsodyWithService;
  let n = 0;
  const newName = () => `kind${Date.now().toString(36)}${n++}`;
  const accountExists = (username: string) => existsSync(join(env.prosody.dataDir, 'localhost', 'accounts', `${username}.dat`));
  const stored = async (token: string) =>
    (await env.rpc('ListInvites', { pageSize: 200 })).invites.find((i: { token: string }) => i.token === token);
  const statusOf = async (token: string): Promise<string> => (await stored(token)).status;

  /** A new account, made with an invite of its own. */
  async function newAccount(password = 'pw'): Promise<string> {
    const username = newName();
    const { invite } = await env.invites.createInvite({}, env.auth);
    assert.deepEqual(await signUp(env.prosody, { token: invite!.token, username, password }), { ok: true });
    return username;
  }

  before(async () => {
    env = await startProsodyWithService({ hostSettings: { allow_user_invites: 'true' } });
  });
  after(async () => {
    await env?.stop();
  });

  it('a username-bound invite refuses another username (no account, invite kept) and registers its own', async () => {
    const bound = newName();
    const { invite } = await env.rpc('CreateInvite', { username: bound });
    assert.equal(invite.uri, `xmpp:${bound}@localhost?register;preauth=${invite.token}`);
    const other = newName();
    const refused = await signUp(env.prosody, { token: invite.token, username: other, password: 'pw' });
    assert.equal(refused.ok, false);
    assert.equal(refused.ok === false && `${refused.step} ${refused.condition}`, 'register forbidden');
    assert.equal(accountExists(other), false);
    assert.equal((await stored(invite.token)).status, 'INVITE_STATUS_VALID', 'the refused username did not use it');
    assert.deepEqual(await signUp(env.prosody, { token: invite.token, username: bound, password: 'pw' }), { ok: true });
    assert.equal(await canLogIn(env.prosody, bound, 'pw'), true);
  });

  it('a reset invite (prosodyctl mod_invites generate --reset) changes the existing account password, only that account', async () => {
    const alice = await newAccount('old password');
    const bob = await newAccount('bob password');
    const { code, stdout, stderr } = await env.prosody.prosodyctl(['mod_invites', 'generate', 'localhost', '--reset', alice]);
    assert.equal(code, 0, `${stdout}\n${stderr}`);
    const token = /\?([A-Za-z0-9_-]{24})\s*$/.exec(stdout)?.[1];
    assert.ok(token, stdout);
    const invite = await stored(token);
    assert.equal(invite.type, 'INVITE_TYPE_PASSWORD_RESET');
    assert.equal(invite.username, alice);

    const asBob = await signUp(env.prosody, { token, username: bob, password: 'taken over' });
    assert.equal(asBob.ok, false, 'it does not reset another account');
    assert.equal(await canLogIn(env.prosody, bob, 'bob password'), true);
    const stranger = newName();
    assert.equal((await signUp(env.prosody, { token, username: stranger, password: 'pw' })).ok, false, 'nor register a new one');
    assert.equal(accountExists(stranger), false);

    assert.deepEqual(await signUp(env.prosody, { token, username: alice, password: 'new password' }), { ok: true });
    assert.equal(await canLogIn(env.prosody, alice, 'new password'), true);
    assert.equal(await canLogIn(env.prosody, alice, 'old password'), false);
    assert.equal(await eventually(() => statusOf(token), 'INVITE_STATUS_USED_UP'), 'INVITE_STATUS_USED_UP');
  });

  const adhocContactTitle =
    "mod_invites_adhoc's contact invite from a logged-in user: in our store with that inviter; " +
    'signing up with it makes them mutual contacts';
  it(adhocContactTitle, async () => {
    const alice = await newAccount();
    const session = await logIn(env.prosody, alice, 'pw');
    let form: Map<string, string>;
    try {
      form = await session.executeCommand('urn:xmpp:invite#invite');
    } finally {
      await session.stop();
    }
    const uri = form.get('uri') ?? '';
    const token = /preauth=([A-Za-z0-9_-]{24})/.exec(uri)?.[1];
    assert.ok(token, `an invite URI in the command's answer: ${[...form]}`);
    assert.equal(uri, `xmpp:${alice}@localhost?roster;preauth=${token};ibr=y`);
    const invite = await stored(token);
    assert.equal(invite.type, 'INVITE_TYPE_ROSTER');
    assert.equal(invite.inviter, alice, 'our store records who invited');

    const newcomer = newName();
    assert.deepEqual(await signUp(env.prosody, { token, username: newcomer, password: 'pw' }), { ok: true });
    const rosterOf = async (user: string) => {
      const s = await logIn(env.prosody, user, 'pw');
      try {
        return await s.roster();
      } finally {
        await s.stop();
      }
    };
    assert.equal((await rosterOf(newcomer)).get(`${alice}@localhost`), 'both');
    assert.equal((await rosterOf(alice)).get(`${newcomer}@localhost`), 'both');
    await eventually(() => statusOf(token), 'INVITE_STATUS_USED_UP');
    const used = await stored(token);
    assert.equal(used.status, 'INVITE_STATUS_USED_UP');
    assert.deepEqual(
      used.redemptions.map((r: { account: string }) => r.account),
      [newcomer],
    );
  });

  const existingAccountTitle =
    'a contact invite used by an existing account (XEP-0379 subscription with the token): ' +
    'the inviter approves at once and asks back; used up';
  it(existingAccountTitle, async () => {
    const alice = await newAccount();
    const bob = await newAccount();
    const { invite } = await env.rpc('CreateInvite', { type: 'INVITE_TYPE_ROSTER', inviter: alice });
    const session = await logIn(env.prosody, bob, 'pw');
    try {
      const askedBack = new Promise<boolean>((resolve) => {
        session.client.on('stanza', (stanza) => {
          if (stanza.name === 'presence' && stanza.attrs.type === 'subscribe' && stanza.attrs.from === `${alice}@localhost`) resolve(true);
        });
        setTimeout(() => resolve(false), 5000);
      });
      await session.client.send(xml('presence', {}));
      await session.client.send(
        xml('presence', { type: 'subscribe', to: `${alice}@localhost` }, xml('preauth', { xmlns: 'urn:xmpp:pars:0', token: invite.token })),
      );
      assert.equal(await askedBack, true, 'alice (offline) asks bob for his presence in return, as mod_invites_register does');
    } finally {
      await session.stop();
    }
    // Prosody 0.12 records the approval on alice's side only (stock mod_invites does the same:
    // no 'subscribed' reaches bob's roster).
    const aliceSession = await logIn(env.prosody, alice, 'pw');
    try {
      assert.equal(
        (await aliceSession.roster()).get(`${bob}@localhost`),
        'from',
        'bob is subscribed to alice without her approving by hand',
      );
    } finally {
      await aliceSession.stop();
    }
    const used = await stored(invite.token);
    assert.equal(used.status, 'INVITE_STATUS_USED_UP');
    assert.deepEqual(
      used.redemptions.map((r: { account: string }) => r.account),
      [`${bob}@localhost`],
    );
  });
});
