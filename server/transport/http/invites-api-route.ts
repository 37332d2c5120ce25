import { toJson } from '@bufbuild/protobuf';
import type { OutgoingHttpHeaders } from 'node:http';
import { InviteSchema } from '../../../gen/invites/v1/invite_pb.js';
import { DomainError } from '../../domain/errors.js';
import type { AuthFailureGuard } from '../../service/auth-failure-guard.js';
import type { InviteService } from '../../service/invite-service.js';
import type { PresentedCredential } from '../../service/key-authenticator.js';
import { credentialFromHeader } from '../bearer-credential.js';
import { corsHeaders } from './cors.js';
import { classifyError } from '../error-codes.js';
import type { HttpRequest, HttpResponse } from '../http-types.js';
import { sendError, sendJson } from '../plain-responses.js';
import { inviteOptionsFromQuery } from './invite-options-query.js';
import { inviteMessage } from '../proto-mapping.js';
import type { RequestFactsTable } from '../request-facts.js';

export const INVITES_API_PATH = '/invites_api';
const ALLOWED_METHODS = 'GET, POST, OPTIONS';
const REDIRECT_VALUES: Record<string, boolean> = { '': true, true: true, '1': true, yes: true, false: false, '0': false, no: false };

function queryOf(url: string | undefined): URLSearchParams {
  const q = url?.indexOf('?') ?? -1;
  return new URLSearchParams(q >= 0 ? url!.slice(q + 1) : '');
}

/** The header wins when present; then the query key is not looked at. */
function credentialOf(req: HttpRequest, query: URLSearchParams): PresentedCredential {
  if (req.headers.authorization !== undefined) return credentialFromHeader(req.headers.authorization);
  const key = query.get('key');
  return key ? { kind: 'bearer', token: key } : { kind: 'none' };
}

function wantsRedirect(query: URLSearchParams): boolean {
  const value = query.get('redirect');
  if (value === null) return false;
  const decision = REDIRECT_VALUES[value.toLowerCase()];
  if (decision === undefined) {
    throw new DomainError('invalid_argument', `redirect must be true or false (or 1/0, yes/no), not "${value.slice(0, 40)}"`);
  }
  return decision;
}

function wantsJson(req: HttpRequest): boolean {
  return /\bapplication\/json\b/i.test(req.headers.accept ?? '');
}

function wwwAuthenticate(reason: string): OutgoingHttpHeaders {
  if (reason === 'invalid_token') return { 'www-authenticate': 'Bearer realm="invites", error="invalid_token"' };
  if (reason === 'unauthenticated') return { 'www-authenticate': 'Bearer realm="invites"' };
  return {};
}

/**
 * `GET /invites_api`, as Prosody's mod_invites_api answers it: 201 + Location, or 303 with
 * `redirect`. A thin adapter over the same service call the CreateInvite RPC makes.
 */
export function invitesApiRoute(deps: {
  invites: InviteService;
  onUnexpected: (err: unknown) => void;
  facts?: RequestFactsTable;
  authFailureGuard?: AuthFailureGuard;
  clientAddress?: (req: HttpRequest) => string | undefined;
}) {
  return async (req: HttpRequest, res: HttpResponse): Promise<void> => {
    const cors = corsHeaders(req);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, allow: ALLOWED_METHODS });
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      sendJson(res, 405, { error: 'method_not_allowed', message: `use GET or POST on ${INVITES_API_PATH}` }, { ...cors, allow: ALLOWED_METHODS });
      return;
    }
    try {
      const query = queryOf(req.url);
      const redirect = wantsRedirect(query);
      const credential = credentialOf(req, query);
      const options = inviteOptionsFromQuery(query);
      const create = () => deps.invites.createInvite(credential, options);
      const client = { address: deps.clientAddress?.(req) };
      const invite = await (deps.authFailureGuard ? deps.authFailureGuard.run(client, credential.kind !== 'none', create) : create());
      const facts = deps.facts?.of(req);
      if (facts) facts.keyId = invite.keyId;
      const headers = { ...cors, location: invite.landingPageUrl };
      if (wantsJson(req)) {
        sendJson(res, redirect ? 303 : 201, toJson(InviteSchema, inviteMessage(invite)), headers);
      } else {
        res.writeHead(redirect ? 303 : 201, { ...headers, 'content-length': 0, 'cache-control': 'no-store' });
        res.end();
      }
    } catch (err) {
      const error = classifyError(err, deps.onUnexpected);
      sendError(res, error, { ...cors, ...wwwAuthenticate(error.reason) });
    }
  };
}
