import assert from 'node:assert/strict';
import { csv } from '../../cli/csv.js';
import { auditTable } from '../../cli/audit-output.js';
import { invitesTable, type InviteJson } from '../../cli/invite-output.js';
import { keysTable, type KeyJson } from '../../cli/key-output.js';

// Data stored before such characters were refused must not reorder or hide text in the operator's terminal.
const HOSTILE = 'pay\u202Eexe.txt \u200B\u2060\u2028\u2029\uFEFF\u001b[31m';
const ESCAPED = 'pay\\u202Eexe.txt \\u200B\\u2060\\u2028\\u2029\\uFEFF\\u001B[31m';
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

const key = (name: string): KeyJson => ({
  id: 'AAAAAAAAAAAA',
  host: 'example.com',
  name,
  createdAt: null,
  expiresAt: null,
  disabled: false,
  rateLimitPerMinute: 60,
  useCount: 0,
  lastUsedAt: null,
  rotatedAt: null,
  maxValidInvites: 0,
  maxUsesCeiling: 0,
  maxTtlSeconds: 0,
});
const invite = (fields: Partial<InviteJson>): InviteJson => ({
  token: 'T'.repeat(24),
  host: 'example.com',
  status: 'valid',
  kind: 'register',
  username: '',
  inviter: '',
  allowRegistration: true,
  uri: '',
  landingPageUrl: '',
  maxUses: 1,
  uses: 0,
  roles: [],
  groups: [],
  note: '',
  source: 'admin',
  createdAt: null,
  expiresAt: null,
  revokedAt: null,
  redemptions: [],
  ...fields,
});

describe('CLI tables escape characters that would disguise text in a terminal', () => {
  it('keys:list shows a key name with format characters as \\uXXXX escapes', () => {
    const out = keysTable([key(HOSTILE)]);
    assert.ok(out.includes(ESCAPED), out);
    assert.doesNotMatch(out.replace(/\n/g, ''), UNSAFE);
  });

  it('invites:list escapes notes, usernames, inviters and accounts, and keeps emoji (with their joiners) as they are', () => {
    const out = invitesTable([
      invite({
        note: HOSTILE,
        username: 'bo\u202Eb',
        inviter: 'al\u200Bice',
        redemptions: [{ use: 1, account: 'ev\u2028e', redeemedAt: null }],
      }),
      invite({ note: '👩\u200D💻 ok' }),
    ]);
    for (const escaped of [ESCAPED, 'bo\\u202Eb', 'al\\u200Bice', 'ev\\u2028e']) assert.ok(out.includes(escaped), `${escaped} in ${out}`);
    assert.ok(out.includes('👩\u200D💻 ok'));
    assert.doesNotMatch(out.replace(/\n/g, '').replace(/\u200D/g, ''), UNSAFE);
  });

  it('audit:list escapes actors and hosts', () => {
    const out = auditTable([
      { time: null, action: 'key_created', actor: 'admin\u202E', host: 'example.com', keyId: null, inviteToken: null, webhookId: null },
    ]);
    assert.ok(out.includes('admin\\u202E'), out);
  });

  it('audit:list adds a WEBHOOK column only when a webhook event is listed', () => {
    const key = { time: null, action: 'key_created', actor: 'admin', host: 'example.com', keyId: 'k1', inviteToken: null, webhookId: null };
    assert.match(auditTable([key]).split('\n')[0]!, /INVITE$/);
    const out = auditTable([key, { ...key, action: 'webhook_created', keyId: null, webhookId: 'Ab3dEf6hIj9k' }]);
    assert.match(out.split('\n')[0]!, /INVITE\s+WEBHOOK$/);
    assert.match(out.split('\n')[2]!, /webhook_created.*Ab3dEf6hIj9k$/);
  });
});

describe('CLI CSV output (invites:create --count --output csv)', () => {
  it('quotes fields with commas, quotes or line breaks (quotes doubled) and ends each line with CRLF', () => {
    assert.equal(
      csv([
        ['token', 'note'],
        ['abc', 'plain'],
        ['d-e_f', 'a, "b"\nc'],
      ]),
      'token,note\r\nabc,plain\r\nd-e_f,"a, ""b""\nc"\r\n',
    );
  });
});
