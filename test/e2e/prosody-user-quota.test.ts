import assert from 'node:assert/strict';
import { startProsodyWithService, type ProsodyWithService } from '../support/prosody-service.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { logIn, signUp } from '../support/xmpp-client.js';

// A host's userInviteQuota (ejabberd's max_invites) on the invites Prosody's users make
// themselves (mod_invites_adhoc), through a real Prosody and our module.
describe('Prosody user-made invites under a per-user quota', function () {
  this.timeout(90_000);
  let env: ProsodyWithService;
  before(async () => {
    env = await startProsodyWithService({
      hostSettings: { allow_user_invites: 'true' },
      serviceEnv: { INVITES_USER_INVITE_QUOTA: '2/7d' },
    });
  });
  after(async () => {
    await env?.stop();
  });

  it('gives a user two contact invites a week, then none (nothing stored); another user still gets theirs', async () => {
    const newAccount = async (username: string) => {
      const { invite } = await env.invites.createInvite({}, env.auth);
      assert.deepEqual(await signUp(env.prosody, { token: invite!.token, username, password: 'pw' }), { ok: true });
    };
    const inviteFrom = async (username: string) => {
      const session = await logIn(env.prosody, username, 'pw');
      try {
        return (await session.executeCommand('urn:xmpp:invite#invite')).get('uri') ?? '';
      } finally {
        await session.stop();
      }
    };
    await newAccount('quotaalice');
    await newAccount('quotabob');
    assert.match(await inviteFrom('quotaalice'), /^xmpp:quotaalice@localhost\?roster;preauth=/);
    assert.match(await inviteFrom('quotaalice'), /preauth=/);
    // mod_invites_adhoc does not check for a failed create (its "TODO: check errors"): the
    // command gets no answer, so the test waits a little, then reads why from Prosody's log.
    const third = await Promise.race([inviteFrom('quotaalice').catch(() => 'refused'), sleep(5000).then(() => 'no answer')]);
    assert.ok(!third.startsWith('xmpp:'), `the third is refused: ${third}`);
    assert.match(await env.prosody.log(), /Could not create an invite: quotaalice may create 2 invites per 7d on localhost/);
    assert.match(await inviteFrom('quotabob'), /^xmpp:quotabob@localhost\?roster;preauth=/);
    const { invites } = await env.rpc('ListInvites', { pageSize: 200 });
    const byInviter = (who: string) => invites.filter((i: { inviter: string }) => i.inviter === who).length;
    assert.deepEqual([byInviter('quotaalice'), byInviter('quotabob')], [2, 1]);
  });
});
