import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InviteStatus } from '../../gen/invites/v1/invite_pb.js';
import { eventually, startProsodyWithService, type ProsodyWithService } from '../support/prosody-service.js';
import { canLogIn, signUp } from '../support/xmpp-client.js';

const UNAVAILABLE = 'The invite service cannot be reached right now; please try again later';

// Our service taken away from a running Prosody (a TCP proxy between them cut or frozen).
describe('Prosody while our service is down or slow', function () {
  this.timeout(90_000);
  let env: ProsodyWithService;
  let n = 0;
  const newName = () => `down${Date.now().toString(36)}${n++}`;
  const accountExists = (username: string) => existsSync(join(env.prosody.dataDir, 'localhost', 'accounts', `${username}.dat`));
  const countLines = async (pattern: RegExp) => (await env.prosody.log()).split('\n').filter((l) => pattern.test(l)).length;

  before(async () => {
    env = await startProsodyWithService();
  });
  after(async () => {
    await env?.stop();
  });

  const outageTitle =
    'refuses registration with a clear message (never unchecked), stays up, ' +
    'logs the outage once, and signs up again once the service is back';
  it(outageTitle, async () => {
    const { invite } = await env.invites.createInvite({}, env.auth);
    const token = invite!.token;

    env.proxy.cut();
    for (let i = 0; i < 3; i++) {
      const username = newName();
      const result = await signUp(env.prosody, { token, username, password: 'pw' });
      assert.deepEqual(result, { ok: false, step: 'preauth', condition: 'service-unavailable', text: UNAVAILABLE });
      assert.equal(accountExists(username), false, 'no account');
    }
    assert.ok(env.prosody.alive(), 'Prosody keeps running');
    assert.equal(await countLines(/does not work/), 1, 'three refusals, the outage logged once');
    assert.equal(await countLines(/answers again/), 0);

    // The service goes away between the token check and the registration.
    env.proxy.restore();
    const late = newName();
    const result = await signUp(env.prosody, { token, username: late, password: 'pw' }, { afterPreauth: async () => env.proxy.cut() });
    assert.deepEqual(result, { ok: false, step: 'register', condition: 'service-unavailable', text: UNAVAILABLE });
    assert.equal(accountExists(late), false, 'no account when the use could not be held');

    assert.deepEqual(
      [await countLines(/does not work/), await countLines(/answers again/)],
      [2, 1],
      'the preauth found it back (logged once), then a second outage began (logged once)',
    );

    env.proxy.restore();
    const username = newName();
    assert.deepEqual(await signUp(env.prosody, { token, username, password: 'pw' }), { ok: true });
    assert.equal(await canLogIn(env.prosody, username, 'pw'), true);
    assert.equal(
      await eventually(async () => (await env.invites.getInvite({ token })).invite?.status, InviteStatus.USED_UP),
      InviteStatus.USED_UP,
    );
    assert.equal(await countLines(/answers again/), 2, 'and its end once');
  });

  const hangTitle =
    'a service that does not answer: refused after about 5 s, ' + 'and meanwhile Prosody serves other clients (event loop not blocked)';
  it(hangTitle, async () => {
    const other = newName();
    const first = await env.invites.createInvite({}, env.auth);
    assert.deepEqual(await signUp(env.prosody, { token: first.invite!.token, username: other, password: 'pw' }), { ok: true });
    const { invite } = await env.invites.createInvite({}, env.auth);
    env.proxy.freeze();
    try {
      const username = newName();
      const started = Date.now();
      const pending = signUp(env.prosody, { token: invite!.token, username, password: 'pw' });
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(await canLogIn(env.prosody, other, 'pw'), true);
      const loggedInAfter = Date.now() - started;
      const result = await pending;
      const took = Date.now() - started;
      assert.ok(loggedInAfter < 2000, `another client logged in ${loggedInAfter} ms after the stuck sign-up began`);
      assert.deepEqual(result, { ok: false, step: 'preauth', condition: 'service-unavailable', text: UNAVAILABLE });
      assert.ok(took >= 4500 && took < 9000, `refused after ${took} ms`);
      assert.equal(accountExists(username), false);
    } finally {
      env.proxy.thaw();
    }
    assert.deepEqual(await signUp(env.prosody, { token: invite!.token, username: newName(), password: 'pw' }), { ok: true });
  });
});
