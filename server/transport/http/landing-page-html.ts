import { createHash } from 'node:crypto';
import QRCode from 'qrcode';
import { UNAVAILABLE_MESSAGES } from '../../domain/invite-status.js';
import type { PublicInvite } from '../../service/invite-view.js';

/** Everything interpolated into the page goes through this, tokens and host names included. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `
body { font-family: system-ui, sans-serif; line-height: 1.5; margin: 0; color: #1a1a1a; background: #f6f6f4; }
main { max-width: 34rem; margin: 2rem auto; padding: 1.5rem; background: #fff; border-radius: 0.5rem; }
h1 { font-size: 1.6rem; line-height: 1.25; }
h2 { font-size: 1.15rem; margin-top: 2rem; }
a.button { display: inline-block; padding: 0.7rem 1.2rem; border-radius: 0.4rem; background: #0b57d0; color: #fff; font-weight: 600; text-decoration: none; }
a.button:focus-visible { outline: 3px solid #1a1a1a; outline-offset: 2px; }
.qr { width: 16rem; height: 16rem; margin: 0; }
.qr svg { width: 100%; height: 100%; display: block; }
code { overflow-wrap: anywhere; }
`;

/** The page's Content-Security-Policy: nothing but this exact inline stylesheet may load or run. */
export const LANDING_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const DATE_FORMAT = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });

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

/** The page for an invite that can still be used: how to open it here, and a QR code for another device. */
export async function validInvitePage(invite: PublicInvite): Promise<string> {
  const host = escapeHtml(invite.host);
  const uri = escapeHtml(invite.uri);
  const qr = await QRCode.toString(invite.uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
  const uses = invite.remainingUses > 1 ? ` It can register ${invite.remainingUses} more accounts.` : '';
  return page(
    `Invite to ${invite.host}`,
    `<h1>You are invited to join ${host}</h1>
<p>This invite lets you create a chat account on <strong>${host}</strong>.
It expires on <time datetime="${invite.expiresAt.toISOString()}">${escapeHtml(DATE_FORMAT.format(invite.expiresAt))} UTC</time>.${uses}</p>
<h2>On this device</h2>
<p><a class="button" id="open-in-app" href="${uri}">Open in your app</a></p>
<p>If nothing happens, install an XMPP chat app first, then come back to this page and try again.</p>
<h2>On another device</h2>
<p>Scan this code with your chat app:</p>
<figure class="qr" id="invite-qr" role="img" aria-label="QR code of the invite link">${qr}</figure>
<p>Or enter this link in the app: <code id="invite-uri">${uri}</code></p>`,
  );
}

/** The page for an expired, used-up or revoked invite. */
export function unavailableInvitePage(invite: PublicInvite): string {
  const message = UNAVAILABLE_MESSAGES[invite.status as keyof typeof UNAVAILABLE_MESSAGES];
  return page(
    `${message.title} (${invite.host})`,
    `<h1>${escapeHtml(message.title)}</h1>
<p>This was an invite to create an account on <strong>${escapeHtml(invite.host)}</strong>.</p>
<p>${escapeHtml(message.explanation)}</p>`,
  );
}

export function notFoundPage(): string {
  return page(
    'Invite not found',
    `<h1>Invite not found</h1>
<p>There is no invite for this link. Check that you opened or copied the whole link.</p>
<p>Invites are removed some days after they expire; if yours is old, ask the person who sent it for a new one.</p>`,
  );
}

export function errorPage(): string {
  return page('Something went wrong', `<h1>Something went wrong</h1>\n<p>The invite could not be looked up just now. Please try again in a moment.</p>`);
}
