import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines; pretty when stdout is a terminal. Secrets never reach it: request lines carry
 * the route without its query (see request-observer.ts) and a key only as its id.
 */
export function createLogger(level: string, pretty: boolean): Logger {
  return pino({
    level,
    base: undefined,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  });
}
