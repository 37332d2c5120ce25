/** The kind of device a visitor is on, to put its apps first; unknown shows every platform alike. */
export type VisitorPlatform = 'android' | 'ios' | 'desktop' | undefined;

/** From the User-Agent header, as mod_invites_page's platform.js does in the browser (the page has no script). */
export function visitorPlatform(userAgent: string | undefined): VisitorPlatform {
  if (!userAgent) return undefined;
  if (/Android/i.test(userAgent)) return 'android';
  if (/iPhone|iPad|iPod/i.test(userAgent)) return 'ios';
  if (/Windows NT|Macintosh|X11|Linux|CrOS/i.test(userAgent)) return 'desktop';
  return undefined;
}
