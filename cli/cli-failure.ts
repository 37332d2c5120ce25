import { Code, ConnectError } from '../client/index.js';
import { ExitCode } from './exit-codes.js';

/**
 * What a command failed with: one line for a person, a stable reason for a script, and the
 * exit code. Everything a command throws is turned into one of these before it is shown.
 */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
  constructor(
    readonly exitCode: ExitCode,
    /** Machine-readable, e.g. `not_found`, `unreachable`. */
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The Node error (socket, DNS, TLS) under a failed call, if any: then the request got no HTTP
 * answer at all. Errors the server sent have no such cause.
 */
function transportCause(err: unknown): NodeJS.ErrnoException | undefined {
  const seen = new Set<unknown>();
  for (let e: unknown = err; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    if (!(e instanceof ConnectError) && typeof (e as NodeJS.ErrnoException).code === 'string') return e;
  }
  return undefined;
}

const NETWORK_ERROR_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'unknown host name',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPROTO: 'no TLS there: use http:// in --url?',
};

/** How oclif wraps an error thrown by a flag's own parse function. */
const FLAG_PARSE_ERROR = /^Parsing --(\S+) \n\t([\s\S]*?)(\nSee more help with --help)?$/;

/**
 * Anything thrown while parsing the command line, as one line: oclif's messages span lines
 * (a list of argument descriptions, "See more help with --help") and may carry colours.
 */
export function usageFailure(err: unknown): CliFailure {
  if (err instanceof CliFailure) return err;
  // eslint-disable-next-line no-control-regex -- strips the ANSI colours oclif puts in its messages
  const raw = (err instanceof Error ? err.message : String(err)).replace(/\x1b\[[0-9;]*m/g, '');
  let text: string;
  const flag = FLAG_PARSE_ERROR.exec(raw);
  const missing = (err as { args?: Array<{ name?: string }> }).args;
  if (flag) {
    text = `--${flag[1]}: ${flag[2]!.trim()}`;
  } else if (/^Missing \d+ required arg/.test(raw) && Array.isArray(missing)) {
    const names = missing.map((a) => a.name?.toUpperCase()).filter(Boolean);
    text = `missing required argument${names.length === 1 ? '' : 's'}: ${names.join(' ')}`;
  } else {
    text = raw
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && line !== 'See more help with --help')
      .join(' ');
  }
  return new CliFailure(ExitCode.usage, 'usage', text.charAt(0).toLowerCase() + text.slice(1));
}

/**
 * The one mapping from anything a command can throw to what the user sees. `url` is the server
 * the command talked to, when it got that far.
 */
export function toCliFailure(err: unknown, url: string | undefined): CliFailure {
  if (err instanceof CliFailure) return err;
  const where = url ?? 'the configured URL';
  if (err instanceof ConnectError) {
    const cause = transportCause(err);
    if (cause) {
      const detail = NETWORK_ERROR_WORDS[cause.code!] ?? cause.message.split('\n')[0];
      return new CliFailure(ExitCode.unreachable, 'unreachable', `cannot reach the invites server at ${where} (${detail})`);
    }
    return fromConnectError(err, where);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new CliFailure(ExitCode.failed, 'failed', message.split('\n')[0] || 'unexpected error');
}

const notAnInvitesServer = (where: string) =>
  new CliFailure(
    ExitCode.unreachable,
    'not_an_invites_server',
    `cannot reach the invites server at ${where}: it does not serve the KeyAdmin API (is --url right?)`,
  );

function fromConnectError(err: ConnectError, where: string): CliFailure {
  // rawMessage is the server's own text, without Connect's "[code]" prefix.
  const message = err.rawMessage;
  switch (err.code) {
    case Code.NotFound:
      return new CliFailure(ExitCode.failed, 'not_found', message || 'not found');
    case Code.Unauthenticated:
    case Code.PermissionDenied:
      return new CliFailure(
        ExitCode.auth,
        'admin_token_refused',
        `the server at ${where} refused the admin token: pass the server's token with --admin-token or INVITES_ADMIN_TOKEN, ` +
          `or point --data-dir at its data directory`,
      );
    case Code.InvalidArgument:
    case Code.FailedPrecondition:
    case Code.OutOfRange:
    case Code.AlreadyExists:
      return new CliFailure(ExitCode.rejected, 'invalid_argument', message);
    case Code.ResourceExhausted:
      return new CliFailure(ExitCode.limited, 'rate_limited', `the invites server at ${where} refused: ${message}`);
    case Code.Unavailable:
      return new CliFailure(ExitCode.unreachable, 'unavailable', `the invites server at ${where} is unavailable: ${message}`);
    case Code.DeadlineExceeded:
      return new CliFailure(ExitCode.unreachable, 'timeout', `the invites server at ${where} did not answer in time`);
    case Code.Unimplemented:
      // A 404 from some other web server lands here: the URL is probably wrong.
      return notAnInvitesServer(where);
    default:
      // So does a web page answered with 200.
      if (/^unsupported content type/.test(message)) return notAnInvitesServer(where);
      return new CliFailure(ExitCode.serverError, 'server_error', `the invites server at ${where} failed: ${message || 'no details'}`);
  }
}
