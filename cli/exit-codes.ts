/**
 * The exit codes of every invitesctl command. Scripts branch on these, so they are part of the
 * interface: never renumber one, only add.
 */
export const ExitCode = {
  ok: 0,
  /** The request was understood but could not be done, e.g. `key not found`. */
  failed: 1,
  /** Bad arguments or flags: nothing was sent to the server. */
  usage: 2,
  /** No answer from an invites server at --url. */
  unreachable: 3,
  /** No admin token, or the server refused it. */
  auth: 4,
  /** The server failed while handling the request. */
  serverError: 5,
  /** The server rejected an argument, e.g. a host it is not configured for. */
  rejected: 6,
  /** Too many requests: the server's rate limit; try again after the time it names. */
  limited: 7,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Rows for the EXIT CODES help section and docs/cli.md. */
export const EXIT_CODE_ROWS: ReadonlyArray<[string, string]> = [
  [String(ExitCode.ok), 'success'],
  [String(ExitCode.failed), 'not done, e.g. "key not found"'],
  [String(ExitCode.usage), 'usage error: bad arguments or flags'],
  [String(ExitCode.unreachable), 'cannot reach the invites server at --url'],
  [String(ExitCode.auth), 'no admin token, or the server refused it'],
  [String(ExitCode.serverError), 'the server failed (see its log)'],
  [String(ExitCode.rejected), 'the server rejected an argument, e.g. an unconfigured host'],
  [String(ExitCode.limited), 'rate limited: try again after the time the message names'],
];
