import { Code, ConnectError } from '@connectrpc/connect';
import { DomainError, type ErrorKind } from '../domain/errors.js';

/** The one mapping from domain errors to Connect codes. */
const CODE_OF_KIND: Record<ErrorKind, Code> = {
  unauthenticated: Code.Unauthenticated,
  invalid_token: Code.Unauthenticated,
  permission_denied: Code.PermissionDenied,
  invalid_argument: Code.InvalidArgument,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  failed_precondition: Code.FailedPrecondition,
  resource_exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
};

/** Connect's own code → HTTP status table, used for the plain routes. */
const HTTP_STATUS_OF_CODE: Partial<Record<Code, number>> = {
  [Code.Canceled]: 499,
  [Code.InvalidArgument]: 400,
  [Code.DeadlineExceeded]: 504,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.FailedPrecondition]: 400,
  [Code.Aborted]: 409,
  [Code.OutOfRange]: 400,
  [Code.Unimplemented]: 501,
  [Code.Unavailable]: 503,
  [Code.Unauthenticated]: 401,
};

export function httpStatusOf(code: Code): number {
  return HTTP_STATUS_OF_CODE[code] ?? 500;
}

/** `Code.InvalidArgument` → `invalid_argument`, the name Connect uses on the wire. */
export function codeName(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

export interface ClassifiedError {
  code: Code;
  /** Machine-readable reason: the domain kind, or the code's name. */
  reason: string;
  message: string;
  retryAfterSeconds: number | undefined;
}

/**
 * Turns anything thrown into what a client may see. Unexpected errors become `internal`
 * with a fixed message; `onUnexpected` gets the original so it can be logged.
 */
export function classifyError(err: unknown, onUnexpected: (err: unknown) => void): ClassifiedError {
  if (err instanceof DomainError) {
    const code = CODE_OF_KIND[err.kind];
    return { code, reason: err.kind, message: err.message, retryAfterSeconds: err.retryAfterSeconds };
  }
  if (err instanceof ConnectError && err.code !== Code.Internal && err.code !== Code.Unknown) {
    return { code: err.code, reason: codeName(err.code), message: err.rawMessage, retryAfterSeconds: undefined };
  }
  onUnexpected(err);
  return {
    code: Code.Internal,
    reason: 'internal',
    message: 'internal error: the server logged the details',
    retryAfterSeconds: undefined,
  };
}

export function toConnectError(err: unknown, onUnexpected: (err: unknown) => void): ConnectError {
  const c = classifyError(err, onUnexpected);
  const metadata = new Headers();
  if (c.retryAfterSeconds !== undefined) metadata.set('retry-after', String(c.retryAfterSeconds));
  return new ConnectError(c.message, c.code, metadata);
}
