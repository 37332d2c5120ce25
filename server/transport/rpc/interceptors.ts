import type { Interceptor } from '@connectrpc/connect';
import type { AuthFailureGuard } from '../../service/auth-failure-guard.js';
import { CREDENTIAL_ACCEPTED } from '../bearer-credential.js';
import { CLIENT_ADDRESS } from '../client-address.js';
import { toConnectError } from '../error-codes.js';

/** Maps every error a handler throws through the one error vocabulary. */
export function errorMappingInterceptor(onUnexpected: (err: unknown) => void): Interceptor {
  return (next) => async (req) => {
    try {
      return await next(req);
    } catch (err) {
      throw toConnectError(err, onUnexpected);
    }
  };
}

/**
 * Counts refused credentials per client address and refuses an address that has too many,
 * for every RPC (see AuthFailureGuard; the plain routes get the same in plain-routes).
 * Placed after errorMappingInterceptor, so it sees the domain errors.
 */
export function authFailureInterceptor(guard: AuthFailureGuard): Interceptor {
  return (next) => (req) =>
    guard.run({ address: req.contextValues.get(CLIENT_ADDRESS) }, req.header.has('authorization'), (accepted) => {
      req.contextValues.set(CREDENTIAL_ACCEPTED, accepted);
      return next(req);
    });
}
