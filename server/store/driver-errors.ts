import {
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  MongoWriteConcernError,
  MongoBulkWriteError,
  MongoOperationTimeoutError,
} from 'mongodb';
import { DomainError } from '../domain/errors.js';

/** Seconds a client is told to wait when the database is unreachable. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

// Server error codes that mean "not now" rather than "never": the server is shutting down,
// stepping down, not (yet) primary, or an operation hit a time limit.
const TRANSIENT_SERVER_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  50, // MaxTimeMSExpired
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/**
 * True for driver errors that say the database cannot be reached or cannot answer right now:
 * no server selectable, a broken or timed-out connection, a primary that went away, or a
 * write whose durability could not be confirmed (the client should retry).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof MongoServerSelectionError || err instanceof MongoNetworkError || err instanceof MongoOperationTimeoutError)
    return true;
  if (err instanceof MongoNotConnectedError || err instanceof MongoTopologyClosedError) return true;
  if (err instanceof MongoWriteConcernError) return true;
  if (err instanceof MongoBulkWriteError && err.result?.getWriteConcernError()) return true;
  // A bulk write that failed as a whole carries the driver's error (e.g. a broken connection) as its errorResponse.
  if (err instanceof MongoBulkWriteError && err.errorResponse instanceof Error) return isDatabaseUnavailable(err.errorResponse);
  if (err instanceof MongoServerError) {
    if (typeof err.code === 'number' && TRANSIENT_SERVER_CODES.has(err.code)) return true;
    if (err.hasErrorLabel('RetryableWriteError') || err.hasErrorLabel('ResetPool')) return true;
  }
  return false;
}

/** The server's code for an insert under a unique key that is taken. */
export const DUPLICATE_KEY = 11000;

export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === DUPLICATE_KEY;
}

export const databaseUnavailable = () =>
  new DomainError('unavailable', 'the database is not reachable right now: try again in a few seconds', UNAVAILABLE_RETRY_AFTER_SECONDS);

/** Rethrows database outages as DomainError `unavailable`, anything else as it is. */
export function mapDriverError(err: unknown): never {
  throw isDatabaseUnavailable(err) ? databaseUnavailable() : err;
}

/**
 * Wraps every method of a store object so database outages surface as `unavailable`: the
 * services and transports never see driver types, and a client gets 503/UNAVAILABLE with
 * Retry-After instead of an internal error.
 */
export function withDriverErrorsMapped<T extends object>(methods: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(methods)) {
    wrapped[name] =
      typeof value === 'function'
        ? (...args: unknown[]) => {
            try {
              const result = (value as (...a: unknown[]) => unknown).apply(methods, args);
              return result instanceof Promise ? result.catch(mapDriverError) : result;
            } catch (err) {
              return mapDriverError(err);
            }
          }
        : value;
  }
  return wrapped as T;
}
