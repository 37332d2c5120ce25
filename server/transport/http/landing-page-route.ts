import type { HostConfig } from '../../config/config.js';
import { recommendedApps } from '../../config/recommended-apps.js';
import { DomainError } from '../../domain/errors.js';
import type { InviteService } from '../../service/invite-service.js';
import type { PublicInvite } from '../../service/invite-view.js';
import { classifyError, httpStatusOf } from '../error-codes.js';
import type { HttpRequest, HttpResponse } from '../http-types.js';
import { requestUrl } from '../request-url.js';
import type { PlainRoute } from './plain-route.js';
import {
  errorPage,
  fillUrlTemplate,
  LANDING_PAGE_CSP,
  notFoundPage,
  unavailableInvitePage,
  validInvitePage,
  type LandingPageOptions,
} from './landing-page-html.js';
import { visitorPlatform } from './visitor-platform.js';

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

/** What the invite's host adds to its page; a host no longer configured gets the default apps. */
export type LandingPageHost = Pick<HostConfig, 'apps' | 'hideApps' | 'webRegistrationTemplate'>;

function pageOptions(invite: PublicInvite, host: LandingPageHost | undefined, userAgent: string | undefined): LandingPageOptions {
  const template = host?.webRegistrationTemplate;
  return {
    apps: recommendedApps(host),
    webRegistrationUrl: template ? fillUrlTemplate(template, { token: invite.token, host: invite.host }) : undefined,
    platform: visitorPlatform(userAgent),
  };
}

/**
 * `GET /invite?TOKEN`: the landing page of an invite, plain HTML that works without
 * JavaScript. A thin adapter over the same service call as the public GetInvite RPC.
 */
export function landingPageRoute(deps: {
  invites: InviteService;
  hosts: ReadonlyMap<string, LandingPageHost>;
  onUnexpected: (err: unknown) => void;
  /** The client's address, which the invite views are counted under. */
  clientAddress: (req: HttpRequest) => string | undefined;
}): PlainRoute {
  return {
    path: LANDING_PAGE_PATH,
    methods: ['GET', 'HEAD'],
    methodGuard: (req) => ({ refuse: (res, allow) => sendHtml(req, res, 405, errorPage(), { allow }) }),
    async serve(req, res) {
      let invite: PublicInvite;
      try {
        invite = await deps.invites.getInvite(tokenOf(req.url), { address: deps.clientAddress(req) });
      } catch (err) {
        if (err instanceof DomainError && err.kind === 'not_found') {
          sendHtml(req, res, 404, notFoundPage());
          return;
        }
        // The one error mapping, as GetInvite gets it: a database outage is a 503 + Retry-After
        // (logged once per outage by the health monitor), only the unexpected is logged here.
        const error = classifyError(err, deps.onUnexpected);
        const retry = error.retryAfterSeconds !== undefined ? { 'retry-after': String(error.retryAfterSeconds) } : undefined;
        sendHtml(req, res, httpStatusOf(error.code), errorPage(), retry);
        return;
      }
      if (invite.status !== 'valid') {
        sendHtml(req, res, 410, unavailableInvitePage(invite));
        return;
      }
      // The visitor's device orders the apps: a cache must not give one device's page to another.
      const options = pageOptions(invite, deps.hosts.get(invite.host), req.headers['user-agent']);
      sendHtml(req, res, 200, await validInvitePage(invite, options), { vary: 'User-Agent' });
    },
  };
}
