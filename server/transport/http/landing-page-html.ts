import QRCode from 'qrcode';
import { DEFAULT_APPS, type Platform, type RecommendedApp } from '../../config/recommended-apps.js';
import type { InviteKind } from '../../domain/invite.js';
import { UNAVAILABLE_MESSAGES } from '../../domain/invite-status.js';
import type { PublicInvite } from '../../service/invite-view.js';
import { STYLE } from './landing-page-style.js';
import type { VisitorPlatform } from './visitor-platform.js';

export { LANDING_PAGE_CSP } from './landing-page-style.js';

/** Everything interpolated into the page goes through this, tokens and host names included. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** What a host adds to its invites' pages. */
export interface LandingPageOptions {
  apps: readonly RecommendedApp[];
  /** The web sign-up page of this invite, token filled in; unset: no "Sign up in your browser". */
  webRegistrationUrl?: string | undefined;
  /** The visitor's device: its apps come first and open. */
  platform?: VisitorPlatform;
}

/** An invite's host and users, HTML-escaped where the words are markup (`lead`). */
interface KindWords {
  host: string;
  username: string;
  inviter: string;
}

/**
 * The words of each kind of invite. `signUp: false` leaves out the sign-up paths and the app
 * list (a reset or a contact invite for someone with an account needs neither): the page then
 * opens the invite in the visitor's app, and in the browser when `browserAction` names it.
 */
const KIND_TEXT: Record<
  InviteKind,
  {
    title: (w: KindWords) => string;
    heading: (w: KindWords) => string;
    lead: (w: KindWords) => string;
    signUp: (invite: PublicInvite) => boolean;
    browserAction?: string;
  }
> = {
  register: {
    title: ({ host }) => `Invite to ${host}`,
    heading: ({ host }) => `You are invited to join ${host}`,
    lead: ({ host }) =>
      `This invite lets you create a chat account on <strong>${host}</strong>, ` +
      `part of XMPP, the open network of chat servers: your friends can be on any of them.`,
    signUp: () => true,
  },
  roster: {
    title: ({ host, inviter }) => `${inviter} invites you to chat on ${host}`,
    heading: ({ host, inviter }) => `${inviter} invites you to chat on ${host}`,
    lead: ({ host, inviter }) =>
      `Open this invite in your chat app to add <strong>${inviter}@${host}</strong> to your contacts. ` +
      `XMPP is the open network of chat servers: your account can be on any of them.`,
    signUp: (invite) => invite.allowRegistration,
  },
  password_reset: {
    title: ({ host, username }) => `Reset the password of ${username}@${host}`,
    heading: ({ host, username }) => `Reset the password of ${username}@${host}`,
    lead: ({ host, username }) => `This link lets you choose a new password for the chat account <strong>${username}@${host}</strong>.`,
    signUp: () => false,
    browserAction: 'Reset it in your browser',
  },
};

const DATE_FORMAT = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });

/** The app groups, in page order; an app shows in every group one of its platforms belongs to. */
const GROUPS: readonly { id: Exclude<VisitorPlatform, undefined> | 'web'; title: string; platforms: readonly Platform[] }[] = [
  { id: 'android', title: 'Android', platforms: ['Android'] },
  { id: 'ios', title: 'iPhone and iPad', platforms: ['iOS'] },
  { id: 'desktop', title: 'Computer: Windows, macOS, Linux', platforms: ['Windows', 'macOS', 'Linux'] },
  { id: 'web', title: 'In the browser', platforms: ['Web'] },
];

/** A speech bubble, drawn here: the page loads no images. */
const BUBBLE =
  '<svg viewBox="0 0 48 48" aria-hidden="true" focusable="false">' +
  '<rect width="48" height="48" rx="12" fill="#0b57d0"/>' +
  '<path d="M13 15h22a3 3 0 0 1 3 3v11a3 3 0 0 1-3 3H22l-7 6v-6h-2a3 3 0 0 1-3-3V18a3 3 0 0 1 3-3z" fill="#fff"/>' +
  '<circle cx="18" cy="23.5" r="2" fill="#0b57d0"/>' +
  '<circle cx="24" cy="23.5" r="2" fill="#0b57d0"/>' +
  '<circle cx="30" cy="23.5" r="2" fill="#0b57d0"/>' +
  '</svg>';

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/** A template's `{name}` placeholders: `encoded` values URL-encoded, `raw` ones as they are. */
export function fillUrlTemplate(template: string, encoded: Record<string, string>, raw: Record<string, string> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    if (name in raw) return raw[name]!;
    return name in encoded ? encodeURIComponent(encoded[name]!) : whole;
  });
}

/** The link an app's button follows: its install-with-invite link when it has one, else its store page. */
function appLink(app: RecommendedApp, invite: PublicInvite): string {
  return app.magicLinkFormat
    ? fillUrlTemplate(app.magicLinkFormat, { uri: invite.uri, token: invite.token }, { link: app.link })
    : app.link;
}

function appNote(app: RecommendedApp, webSignUp: boolean): string {
  if (app.magicLinkFormat) return 'Installs the app and hands it your invite.';
  if (app.supportsPreauthUri) return 'Install it, then come back and tap “Open in your app”.';
  if (webSignUp) return `Sign up in your browser first, then log in to ${escapeHtml(app.name)} with your new address.`;
  return `${escapeHtml(app.name)} cannot open invites: create your account with one of the other apps, then log in here.`;
}

/** A stable colour for the app's initial, so the list is not a wall of grey. */
const hueOf = (id: string) => [...id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 997, 7) % 6;

function appCard(app: RecommendedApp, invite: PublicInvite, webSignUp: boolean): string {
  const name = escapeHtml(app.name);
  return `<li class="app" data-app="${escapeHtml(app.id)}">
<div class="head">
<span class="mark hue-${hueOf(app.id)}" aria-hidden="true">${escapeHtml([...app.name][0]!.toUpperCase())}</span>
<div>
<h4 class="name">${name}</h4>
<ul class="tags" aria-label="Platforms">${app.platforms.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul>
</div>
</div>
<p class="text">${escapeHtml(app.text)}</p>
<p class="note">${appNote(app, webSignUp)}</p>
<p class="get"><a class="small" href="${escapeHtml(appLink(app, invite))}" rel="noopener noreferrer">Get ${name}</a></p>
</li>`;
}

/** The apps by platform, the visitor's first and open; the others folded when the device is known. */
function appList(invite: PublicInvite, options: LandingPageOptions): string {
  const groups = GROUPS.map((g) => ({ ...g, apps: options.apps.filter((a) => a.platforms.some((p) => g.platforms.includes(p))) })).filter(
    (g) => g.apps.length > 0,
  );
  if (groups.length === 0) return '';
  groups.sort((a, b) => Number(b.id === options.platform) - Number(a.id === options.platform));
  const known = groups.some((g) => g.id === options.platform);
  const webSignUp = options.webRegistrationUrl !== undefined;
  const sections = groups.map((g) => {
    const here = g.id === options.platform;
    const open = here || !known ? ' open' : '';
    const count = `<span class="count">· ${g.apps.length} ${g.apps.length === 1 ? 'app' : 'apps'}</span>`;
    return `<details id="apps-${g.id}"${open}>
<summary><h3>${escapeHtml(g.title)}</h3>${here ? '<span class="here">This device</span>' : ''} ${count}</summary>
<ul class="apps">
${g.apps.map((a) => appCard(a, invite, webSignUp)).join('\n')}
</ul>
</details>`;
  });
  return `<section class="card apps-card" aria-labelledby="apps-heading">
<h2 id="apps-heading">Recommended apps</h2>
<p class="muted">Any XMPP chat app works; these are good places to start.</p>
${sections.join('\n')}
</section>`;
}

function startSection(invite: PublicInvite, options: LandingPageOptions, uri: string): string {
  const web = options.webRegistrationUrl;
  const webPart = web
    ? `<p>Choose your address and password on ${escapeHtml(invite.host)}’s sign-up page, then log in with any chat app.</p>
<p class="actions"><a class="button" id="sign-up-web" href="${escapeHtml(web)}">Sign up in your browser</a></p>
<p class="or">or sign up in a chat app:</p>
`
    : '';
  return `<section class="card start" aria-labelledby="start-heading">
<h2 id="start-heading">Get started</h2>
${webPart}<ol class="steps">
<li>Install a chat app for your device${options.apps.length ? ', for example one from the list below' : ''}.</li>
<li>Open this invite in it, and choose your name and password:
<p class="actions"><a class="button${web ? ' secondary' : ''}" id="open-in-app" href="${uri}">Open in your app</a></p></li>
</ol>
</section>`;
}

/** For an invite that signs no one up: open it in the app, or in the browser when the kind allows. */
function openSection(uri: string, options: LandingPageOptions, browserAction: string | undefined): string {
  const web = browserAction && options.webRegistrationUrl;
  const webPart = web
    ? `<p class="or">or:</p>\n` +
      `<p class="actions"><a class="button secondary" id="sign-up-web" href="${escapeHtml(web)}">${escapeHtml(browserAction)}</a></p>\n`
    : '';
  return `<section class="card start" aria-labelledby="start-heading">
<h2 id="start-heading">Get started</h2>
<p class="actions"><a class="button" id="open-in-app" href="${uri}">Open in your app</a></p>
${webPart}</section>`;
}

/** The page for an invite that can still be used: how to open it here, the apps, and a QR code for another device. */
export async function validInvitePage(invite: PublicInvite, options: LandingPageOptions = { apps: DEFAULT_APPS }): Promise<string> {
  const text = KIND_TEXT[invite.kind];
  const signUp = text.signUp(invite);
  const words = { host: invite.host, username: invite.username, inviter: invite.inviter };
  const uri = escapeHtml(invite.uri);
  const qr = await QRCode.toString(invite.uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  const uses = invite.remainingUses > 1 ? ` It can register ${invite.remainingUses} more accounts.` : '';
  const expiry = `<time datetime="${invite.expiresAt.toISOString()}">${escapeHtml(DATE_FORMAT.format(invite.expiresAt))} UTC</time>`;
  return page(
    text.title(words),
    `<div class="layout">
<header class="card intro">
${BUBBLE}
<div>
<h1>${escapeHtml(text.heading(words))}</h1>
<p class="lead">${text.lead({ host: escapeHtml(words.host), username: escapeHtml(words.username), inviter: escapeHtml(words.inviter) })}</p>
<p class="muted">It expires on ${expiry}.${uses}</p>
</div>
</header>
${signUp ? startSection(invite, options, uri) : openSection(uri, options, text.browserAction)}
${signUp ? appList(invite, options) : ''}
<section class="card other" aria-labelledby="other-heading">
<h2 id="other-heading">On another device</h2>
<p>Scan this code with your phone’s camera or chat app:</p>
<figure class="qr" id="invite-qr" role="img" aria-label="QR code of the invite link">${qr}</figure>
<p>Or enter this link in the app: <code id="invite-uri">${uri}</code></p>
</section>
</div>`,
  );
}

/** The page for an expired, used-up or revoked invite. */
export function unavailableInvitePage(invite: PublicInvite): string {
  const message = UNAVAILABLE_MESSAGES[invite.status as keyof typeof UNAVAILABLE_MESSAGES];
  return page(
    `${message.title} (${invite.host})`,
    `<div class="card">
<h1>${escapeHtml(message.title)}</h1>
<p>This was an invite to create an account on <strong>${escapeHtml(invite.host)}</strong>.</p>
<p>${escapeHtml(message.explanation)}</p>
</div>`,
  );
}

export function notFoundPage(): string {
  return page(
    'Invite not found',
    `<div class="card">
<h1>Invite not found</h1>
<p>There is no invite for this link. Check that you opened or copied the whole link.</p>
<p>Invites are removed some days after they expire; if yours is old, ask the person who sent it for a new one.</p>
</div>`,
  );
}

export function errorPage(): string {
  return page(
    'Something went wrong',
    `<div class="card">\n<h1>Something went wrong</h1>\n` +
      `<p>The invite could not be looked up just now. Please try again in a moment.</p>\n</div>`,
  );
}
