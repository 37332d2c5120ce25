import { toJson } from '@bufbuild/protobuf';
import type { OutgoingHttpHeaders } from 'node:http';
import { InviteSchema } from '../../../gen/invites/v1/invite_pb.js';
import { DomainError } from '../../domain/errors.js';
import type { InviteService } from '../../service/invite-service.js';
import type { PresentedCredential } from '../../service/key-authenticator.js';
import { credentialFromHeader } from '../bearer-credential.js';
import { corsHeaders } from './cors.js';
import type { HttpRequest } from '../http-types.js';
import { sendJson } from '../plain-responses.js';
import { queryOf } from '../request-url.js';
import type { PlainRoute } from './plain-route.js';
import { inviteOptionsFromQuery } from './invite-options-query.js';
import { inviteMessage } from '../proto-mapping.js';
import type { RequestFactsTable } from '../request-facts.js';

export const INVITES_API_PATH = '/invites_api';
const ALLOWED_METHODS = 'GET, POST, OPTIONS';
const REDIRECT_VALUES: Record<string, boolean> = { '': true, true: true, '1': true, yes: true, false: false, '0': false, no: false };

/** The header wins when present; then the query key is not looked at. */
function credentialOf(req: HttpRequest, query: URLSearchParams, onAccepted?: () => void): PresentedCredential {
  if (req.headers.authorization !== undefined) return credentialFromHeader(req.headers.authorization, onAccepted);
  const key = query.get('key');
  return key ? { kind: 'bearer', token: key, fromQuery: true, ...(onAccepted && { onAccepted }) } : { kind: 'none' };
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
export function invitesApiRoute(deps: { invites: InviteService; facts?: RequestFactsTable }): PlainRoute {
  return {
    path: INVITES_API_PATH,
    methods: ['GET', 'POST', 'OPTIONS'],
    methodGuard: (req) => ({ message: `use GET or POST on ${INVITES_API_PATH}`, headers: corsHeaders(req) }),
    credentialPresented: (req) => credentialOf(req, queryOf(req.url)).kind !== 'none',
    errorHeaders: (req, error) => ({ ...corsHeaders(req), ...wwwAuthenticate(error.reason) }),
    async serve(req, res, accepted) {
      const cors = corsHeaders(req);
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { ...cors, allow: ALLOWED_METHODS });
        res.end();
        return;
      }
      const query = queryOf(req.url);
      const redirect = wantsRedirect(query);
      const invite = await deps.invites.createInvite(credentialOf(req, query, accepted), inviteOptionsFromQuery(query));
      const facts = deps.facts?.of(req);
      if (facts) facts.keyId = invite.keyId;
      const headers = { ...cors, location: invite.landingPageUrl };
      if (wantsJson(req)) {
        sendJson(res, redirect ? 303 : 201, toJson(InviteSchema, inviteMessage(invite)), headers);
      } else {
        res.writeHead(redirect ? 303 : 201, { ...headers, 'content-length': 0, 'cache-control': 'no-store' });
        res.end();
      }
    },
  };
}
