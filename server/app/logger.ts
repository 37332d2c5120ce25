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

/** The path of a request URL with the value of `key` (an API key) masked. */
export function redactUrl(url: string | undefined): string {
  if (!url) return '';
  return url.replace(/([?&]key=)[^&#]*/gi, '$1[REDACTED]');
}
