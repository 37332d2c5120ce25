/**
 * The one error vocabulary of the service. Domain code throws these; the transport maps
 * their kind to a Connect Code (and from there to an HTTP status for plain routes).
 */
export type ErrorKind =
  | 'unauthenticated'
  | 'invalid_token'
  | 'permission_denied'
  | 'invalid_argument'
  | 'not_found'
  | 'already_exists'
  | 'failed_precondition'
  | 'resource_exhausted'
  | 'unavailable';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** Seconds the client should wait before trying again (rate limits, outages). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export const missingKey = () =>
  new DomainError('unauthenticated', 'an API key is required: send "Authorization: Bearer ID/SECRET" or add ?key=ID/SECRET');

/** One error for malformed, unknown, wrong and deleted keys, so a caller can't tell them apart. */
export const invalidKey = () => new DomainError('invalid_token', 'the API key is not valid: check it, or ask the operator for a new one');

export const adminTokenInQuery = () =>
  new DomainError(
    'unauthenticated',
    'the admin token is not taken in ?key= (it would be kept in browser history and proxy logs): ' +
      'send the admin token as "Authorization: Bearer TOKEN"',
  );

export const unknownHost = (host: string, configured: readonly string[]) =>
  new DomainError('invalid_argument', `host "${host}" is not configured on this server (configured: ${configured.join(', ') || 'none'})`);
