import { z } from 'zod';
import proxyAddr from 'proxy-addr';
import { formatDuration, parseDurationMillis, parseDurationSeconds } from '../domain/duration.js';
import { appId, PLATFORMS, type RecommendedApp } from './recommended-apps.js';

/**
 * A kind of setting value: how it is read from a file value or an environment variable's text
 * (zod, with the message a user sees) and how it is written back into a config file.
 */
export interface Kind<T> {
  readonly value: z.ZodType<T, unknown>;
  readonly print: (value: T) => unknown;
}

const kind = <T>(value: z.ZodType<T, unknown>, print: (value: T) => unknown = (v) => v): Kind<T> => ({ value, print });

const durationSeconds = z.union([z.number().int().nonnegative(), z.string()]).transform((value, ctx) => {
  const seconds = typeof value === 'number' ? value : parseDurationSeconds(value);
  if (seconds === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration: use e.g. 3600, 90s, 15m, 12h, 7d or 2w` });
    return z.NEVER;
  }
  return seconds;
});
const printSeconds = (seconds: number) => formatDuration(seconds * 1000);

/** Seconds, written `3600`, `90s`, `15m`, `12h`, `7d` or `2w`; 0 allowed. */
export const seconds = kind(durationSeconds, printSeconds);

/** Seconds as above, longer than 0. */
export const positiveSeconds = kind(
  durationSeconds.refine((s) => s > 0, 'must be longer than 0 seconds'),
  printSeconds,
);

/** Milliseconds from `min` to `max`, written `250ms`, `2s` (a bare number is ms). */
export const millis = (min: number, max: number) =>
  kind(
    z.union([z.number().int(), z.string()]).transform((value, ctx) => {
      const ms = typeof value === 'number' ? value : parseDurationMillis(value);
      if (ms === undefined || ms < min || ms > max) {
        ctx.addIssue({ code: 'custom', message: `"${value}" must be a duration from ${min} ms to ${max / 1000} s, e.g. 250ms or 2s` });
        return z.NEVER;
      }
      return ms;
    }),
    formatDuration,
  );

const BOOLEAN_WORDS: Record<string, boolean> = {
  true: true,
  false: false,
  '1': true,
  '0': false,
  yes: true,
  no: false,
  on: true,
  off: false,
};

/** A switch: true/false, 1/0, yes/no, on/off. */
export const flag = kind(
  z.union([z.boolean(), z.string()]).transform((value, ctx) => {
    const b = typeof value === 'boolean' ? value : BOOLEAN_WORDS[value.trim().toLowerCase()];
    if (b === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not true or false (or 1/0, yes/no, on/off)` });
      return z.NEVER;
    }
    return b;
  }),
);

/** A rate: a whole number per minute. */
export const perMinute = kind(z.coerce.number().int('must be a whole number').min(1).max(1_000_000));

/** A whole number from `min` to `max`. */
export const count = (min: number, max: number) => kind(z.coerce.number().int('must be a whole number').min(min).max(max));

/** How many invites a local user may have made for them per period: `{ count: 5, period: 7d }`, or `5/7d`. */
export interface UserInviteQuota {
  count: number;
  periodSeconds: number;
}

export const userInviteQuota = kind<UserInviteQuota>(
  z.union([z.string(), z.object({ count: z.unknown(), period: z.unknown() }).strict()]).transform((value, ctx) => {
    const [countText, periodText] = typeof value === 'string' ? value.split('/') : [value.count, value.period];
    const n = Number(countText);
    const periodSeconds =
      typeof periodText === 'number' ? periodText : typeof periodText === 'string' ? parseDurationSeconds(periodText.trim()) : undefined;
    if (!Number.isInteger(n) || n < 1 || n > 10_000 || !periodSeconds || periodSeconds < 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          `"${typeof value === 'string' ? value : JSON.stringify(value)}" is not a quota: ` +
          'use e.g. 5/7d (or { count: 5, period: 7d }), count 1 to 10000',
      });
      return z.NEVER;
    }
    return { count: n, periodSeconds };
  }),
  (q) => ({ count: q.count, period: printSeconds(q.periodSeconds) }),
);

/** A TCP port; 0 picks a free one. */
export const port = kind(z.coerce.number().int().min(0).max(65535));

/** Any text that is not empty. */
export const text = kind(z.string().min(1));

/** One of a fixed list of words. */
export const oneOf = <const W extends readonly [string, ...string[]]>(words: W) => kind(z.enum(words));

/** Proxy addresses for proxy-addr: a list in a file, comma separated in the environment. */
export const proxyList = kind(
  z
    .union([z.string(), z.array(z.string())])
    .transform((value) => (Array.isArray(value) ? value : value.split(',')).map((s) => s.trim()).filter(Boolean))
    .superRefine((list, ctx) => {
      try {
        proxyAddr.compile(list);
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          message: `${(err as Error).message}: use addresses, CIDRs (10.0.0.0/8) or loopback, linklocal, uniquelocal`,
        });
      }
    }),
);

export const hostName = kind(
  z
    .string()
    .regex(/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i, 'must be a domain name such as example.com')
    .transform((s) => s.toLowerCase()),
);

export const baseUrl = kind(
  z
    .string()
    .refine((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), 'must be an http:// or https:// URL')
    .transform((s) => s.replace(/\/+$/, '')),
);

/** A landing page URL template with the `{token}` placeholder. */
export const landingPage = kind(z.string().includes('{token}', { message: 'must contain the {token} placeholder' }));

export const mongodbUri = kind(z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://'));

export const databaseName = kind(z.string().regex(/^[^/\\. "$*<>:|?]{1,63}$/, 'must be a MongoDB database name'));

export const adminToken = kind(z.string().min(16, 'must be at least 16 characters'));

const isHttpsUrl = (s: string) => URL.canParse(s) && new URL(s).protocol === 'https:';
const sample = (template: string, values: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);

/**
 * The web sign-up page of a host, e.g. mod_invites_register_web's `https://{host}:5281/register?t={token}`:
 * `{token}` (URL-encoded) is required, `{host}` optional.
 */
export const webRegistration = kind(
  z
    .string()
    .includes('{token}', { message: 'must contain the {token} placeholder' })
    .refine((s) => {
      const url = sample(s, { token: 'T', host: 'example.com' });
      return URL.canParse(url) && /^https?:$/.test(new URL(url).protocol);
    }, 'must be an http:// or https:// URL once {host} and {token} are filled in'),
);

const app = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be 1 to 40 lowercase letters, digits and dashes')
      .optional(),
    name: z.string().trim().min(1, 'must not be empty').max(40, 'must be at most 40 characters'),
    text: z.string().trim().min(1, 'must not be empty').max(160, 'must be at most 160 characters (one line)'),
    platforms: z.array(z.enum(PLATFORMS, { message: `must be one of ${PLATFORMS.join(', ')}` })).min(1, 'must name at least one platform'),
    link: z.string().max(500, 'must be at most 500 characters').refine(isHttpsUrl, 'must be an https:// link'),
    supportsPreauthUri: z.boolean().default(false),
    magicLinkFormat: z
      .string()
      .max(500, 'must be at most 500 characters')
      .refine((s) => /\{(uri|token)\}/.test(s), 'must contain {uri} or {token}')
      .refine(
        (s) => isHttpsUrl(sample(s, { link: 'https://example.com/?id=app', uri: 'xmpp%3Ax', token: 'T' })),
        'must be an https:// link once {link}, {uri} and {token} are filled in',
      )
      .optional(),
  })
  .transform((a): RecommendedApp => ({ ...a, id: a.id ?? appId(a.name) }));

/** The apps a landing page recommends; unset: mod_register_apps' defaults. */
export const appList = kind(
  z
    .array(app)
    .max(30, 'must list at most 30 apps')
    .superRefine((apps, ctx) => {
      const seen = new Set<string>();
      apps.forEach((a, i) => {
        if (seen.has(a.id))
          ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `"${a.id}" is listed twice: give one of them its own id` });
        seen.add(a.id);
      });
    })
    .optional(),
);

/** App ids to leave out of the list (`hideApps: [yaxim]`). */
export const appIds = kind(z.array(z.string().min(1)).optional());
