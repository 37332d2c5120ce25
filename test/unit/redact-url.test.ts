import assert from 'node:assert/strict';
import { redactUrl } from '../../server/app/logger.js';

describe('URLs in logs', () => {
  const key = `AAAAAAAAAAAA/${'s'.repeat(36)}`;
  it('mask every key parameter, however its name is spelled', () => {
    assert.equal(redactUrl(`/invites_api?key=${key}&redirect=true`), '/invites_api?key=[REDACTED]&redirect=true');
    assert.equal(redactUrl('/invites_api?%6Bey=abc&KEY=def&key'), '/invites_api?%6Bey=[REDACTED]&KEY=[REDACTED]&key=[REDACTED]');
    assert.equal(redactUrl('/invites_api?redirect=1'), '/invites_api?redirect=1');
  });

  it('mask anything shaped like a key elsewhere too', () => {
    assert.equal(redactUrl(`/invites_api?kye=${key}`), '/invites_api?kye=[REDACTED]');
    assert.equal(redactUrl(`/x/${key.replace('/', '%2F')}`), '/x/[REDACTED]');
  });
});
