/** The platforms an app can be recommended for, as mod_register_apps names them. */
export const PLATFORMS = ['Android', 'iOS', 'Windows', 'macOS', 'Linux', 'Web'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** A chat app the landing page recommends (mod_register_apps' `site_apps` entry, without images). */
export interface RecommendedApp {
  /** What `hideApps` names; from the name when not given (`Siskin IM` → `siskin-im`), as mod_register_apps does. */
  id: string;
  name: string;
  /** One line about the app. */
  text: string;
  platforms: Platform[];
  /** Where to get it: an https:// store or download page. */
  link: string;
  /** It opens `xmpp:…?register;preauth=…` links, so "Open in your app" creates the account in it. */
  supportsPreauthUri: boolean;
  /**
   * A link that installs the app and hands it the invite in one go, e.g. Google Play's install
   * referrer for Conversations: `{link}&referrer={uri}` ({uri} and {token} URL-encoded).
   */
  magicLinkFormat?: string | undefined;
}

export const appId = (name: string): string =>
  name
    .replace(/\W+/g, '-')
    .toLowerCase()
    .replace(/^-+|-+$/g, '');

const PLAY_STORE_REFERRER = '{link}&referrer={uri}';

/**
 * The default list: mod_register_apps' own defaults (prosody-modules, `site_apps`), same apps,
 * platforms, preauth support and Play Store referrer links, with the store or download page its
 * buttons point to as the link and each text shortened to one line.
 */
export const DEFAULT_APPS: readonly RecommendedApp[] = [
  {
    id: 'conversations',
    name: 'Conversations',
    text: 'A chat app for Android, made for a smooth mobile experience.',
    platforms: ['Android'],
    link: 'https://play.google.com/store/apps/details?id=eu.siacs.conversations',
    supportsPreauthUri: true,
    magicLinkFormat: PLAY_STORE_REFERRER,
  },
  {
    id: 'yaxim',
    name: 'yaxim',
    text: 'A lean chat app for Android that also runs well on older phones.',
    platforms: ['Android'],
    link: 'https://play.google.com/store/apps/details?id=org.yaxim.androidclient',
    supportsPreauthUri: true,
    magicLinkFormat: PLAY_STORE_REFERRER,
  },
  {
    id: 'monal',
    name: 'Monal',
    text: 'A modern open-source chat app for iPhone and iPad, easy to use.',
    platforms: ['iOS'],
    link: 'https://apps.apple.com/app/id317711500',
    supportsPreauthUri: true,
  },
  {
    id: 'siskin-im',
    name: 'Siskin IM',
    text: 'A lightweight, powerful chat app for iPhone and iPad.',
    platforms: ['iOS'],
    link: 'https://apps.apple.com/us/app/siskin-im/id1153516838',
    supportsPreauthUri: true,
  },
  {
    id: 'gajim',
    name: 'Gajim',
    text: 'A fully featured chat app for Windows and Linux computers.',
    platforms: ['Windows', 'Linux'],
    link: 'https://gajim.org/download/',
    supportsPreauthUri: false,
  },
  {
    id: 'dino',
    name: 'Dino',
    text: 'A modern, clean chat app for Linux that keeps your privacy in mind.',
    platforms: ['Linux'],
    link: 'https://dino.im/#download',
    supportsPreauthUri: false,
  },
  {
    id: 'monal-macos',
    name: 'Monal',
    text: 'A modern open-source chat app for the Mac, easy to use.',
    platforms: ['macOS'],
    link: 'https://apps.apple.com/app/id1637078500',
    supportsPreauthUri: true,
  },
  {
    id: 'beagle-im',
    name: 'Beagle IM',
    text: 'A lightweight, powerful chat app for macOS.',
    platforms: ['macOS'],
    link: 'https://apps.apple.com/us/app/beagle-im/id1445349494',
    supportsPreauthUri: false,
  },
];

/** The apps a host's landing page shows: its own list or the defaults, less the hidden ones. */
export function recommendedApps(
  host: { apps?: readonly RecommendedApp[] | undefined; hideApps?: readonly string[] | undefined } | undefined,
): readonly RecommendedApp[] {
  const hidden = new Set(host?.hideApps ?? []);
  return (host?.apps ?? DEFAULT_APPS).filter((app) => !hidden.has(app.id));
}
