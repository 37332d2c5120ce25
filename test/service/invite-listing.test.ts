import assert from 'node:assert/strict';
import { InviteStatus } from '../../gen/invites/v1/invite_pb.js';
import { routerHarness } from '../support/router-harness.js';

describe('ListInvites with a rare status (in-memory transport)', () => {
  it('looks at a bounded number of invites per call, and the pages it hands out still lead to every match', async function () {
    this.timeout(30_000);
    const h = routerHarness();
    const { invite: revoked } = await h.inviteClient.createInvite({ host: 'example.com' }, h.admin);
    await h.inviteClient.revokeInvite({ token: revoked!.token }, h.admin);
    await h.inviteClient.createInvites({ count: 600, options: { host: 'example.com' } }, h.admin);
    const found: string[] = [];
    let calls = 0;
    let pageToken = '';
    do {
      const page = await h.inviteClient.listInvites(
        { host: 'example.com', status: InviteStatus.REVOKED, pageSize: 10, pageToken },
        h.admin,
      );
      calls++;
      found.push(...page.invites.map((i) => i.token));
      pageToken = page.nextPageToken;
    } while (pageToken);
    assert.deepEqual(found, [revoked!.token]);
    // 601 invites, newest first, the revoked one last: no call read them all.
    assert.ok(calls >= 3, `${calls} calls`);
  });
});
