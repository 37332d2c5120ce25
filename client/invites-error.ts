import { Code, ConnectError } from '@connectrpc/connect';

export { Code, ConnectError };

/**
 * Whether `err` is an error answered by (or on the way to) the invites server, optionally only one
 * with the given code; narrows `err.code` to that code. A thrown ConnectError from another copy of
 * @connectrpc/connect counts too (ConnectError's instanceof looks at the shape, not the class).
 *
 * @example if (isInvitesError(err, Code.NotFound)) console.log('no such invite');
 */
export function isInvitesError<C extends Code>(err: unknown, code?: C): err is ConnectError & { code: C } {
  return err instanceof ConnectError && (code === undefined || err.code === code);
}
