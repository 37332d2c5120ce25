import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON lines; pretty when stdout is a terminal. Secrets never reach it: see redactUrl. */
export function createLogger(level: string, pretty: boolean): Logger {
  return pino({
    level,
    base: undefined,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  });
}

// Anything shaped like an API key (ID/SECRET, the slash possibly encoded), wherever it is.
const KEY_SHAPED = /[A-Za-z0-9_-]{12}(?:\/|%2F)[A-Za-z0-9_-]{36}/gi;

/** The query parameter's name as the server decodes it (`%6Bey` is `key`). */
function decodedName(part: string): string {
  return new URLSearchParams(part).keys().next().value ?? '';
}

/**
 * A request URL fit for a log: every `key` parameter's value masked (however its name is
 * spelled), and anything else shaped like an API key too, e.g. a key under a mistyped name.
 */
export function redactUrl(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  const masked =
    q < 0
      ? url
      : url.slice(0, q + 1) +
        url
          .slice(q + 1)
          .split('&')
          .map((part) => {
            if (decodedName(part).toLowerCase() !== 'key') return part;
            const eq = part.indexOf('=');
            return `${eq < 0 ? part : part.slice(0, eq)}=[REDACTED]`;
          })
          .join('&');
  return masked.replace(KEY_SHAPED, '[REDACTED]');
}
