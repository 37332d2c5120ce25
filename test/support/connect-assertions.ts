import assert from 'node:assert/strict';
import { Code, ConnectError } from '@connectrpc/connect';

/** Asserts that an RPC fails with `code` (and a message matching `message`, when given). */
export async function rejectsWith(promise: Promise<unknown>, code: Code, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ConnectError, `expected a ConnectError, got ${String(err)}`);
    assert.equal(Code[err.code], Code[code], err.rawMessage);
    if (message) assert.match(err.rawMessage, message);
    return true;
  });
}
