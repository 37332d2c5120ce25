import { DomainError } from '../../domain/errors.js';
import type { InviteService } from '../../service/invite-service.js';
import type { PublicInvite } from '../../service/invite-view.js';
import type { HttpRequest, HttpResponse } from '../http-types.js';
import { requestUrl } from '../request-url.js';
import type { PlainRoute } from './plain-route.js';
import { errorPage, LANDING_PAGE_CSP, notFoundPage, unavailableInvitePage, validInvitePage } from './landing-page-html.js';

export const LANDING_PAGE_PATH = '/invite';

/** The token is in the URL, so the page must not leak it onwards (Referer) nor be kept in caches. */
const SECURITY_HEADERS = {
  'content-security-policy': LANDING_PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

function sendHtml(req: HttpRequest, res: HttpResponse, status: number, html: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...extra,
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
  });
  if (req.method === 'HEAD') res.end();
  else res.end(html);
}

/** `/invite?TOKEN`, as mod_invites_page links it: the whole query string is the token. */
const tokenOf = (url: string | undefined): string => requestUrl(url).rawQuery.split('#')[0]!;

/**
 * `GET /invite?TOKEN`: the landing page of an invite, plain HTML that works without
 * JavaScript. A thin adapter over the same service call as the public GetInvite RPC.
 */
export function landingPageRoute(deps: { invites: InviteService; onUnexpected: (err: unknown) => void }): PlainRoute {
  return {
    path: LANDING_PAGE_PATH,
    methods: ['GET', 'HEAD'],
    methodGuard: (req) => ({ refuse: (res, allow) => sendHtml(req, res, 405, errorPage(), { allow }) }),
    async serve(req, res) {
      let invite: PublicInvite;
      try {
        invite = await deps.invites.getInvite(tokenOf(req.url));
      } catch (err) {
        if (err instanceof DomainError && err.kind === 'not_found') {
          sendHtml(req, res, 404, notFoundPage());
        } else {
          deps.onUnexpected(err);
          sendHtml(req, res, 500, errorPage());
        }
        return;
      }
      if (invite.status === 'valid') sendHtml(req, res, 200, await validInvitePage(invite));
      else sendHtml(req, res, 410, unavailableInvitePage(invite));
    },
  };
}
