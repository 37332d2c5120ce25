import { startEmbeddedDb, type EmbeddedDb, type EmbeddedDbExit, type EmbeddedDbOptions } from './embedded-db.js';

/** Waits before restart attempts: soon at first, then backing off while the engine keeps failing to start. */
export const RESTART_DELAYS_MS = [100, 1000, 2000, 5000, 10_000];
const delayBefore = (attempt: number) => RESTART_DELAYS_MS[Math.min(attempt, RESTART_DELAYS_MS.length - 1)]!;

export interface EmbeddedDbSupervisorOptions extends Omit<EmbeddedDbOptions, 'port'> {
  /** The engine died on its own; a restart follows after `restartInMs`. */
  onExit(exit: EmbeddedDbExit, restartInMs: number): void;
  onRestart(): void;
  /** A restart attempt failed; another follows after `retryInMs`. */
  onRestartFailed(err: unknown, retryInMs: number): void;
  /** Starts one engine process (tests inject their own). */
  start?: (options: EmbeddedDbOptions) => Promise<EmbeddedDb>;
}

export interface SupervisedEmbeddedDb {
  /** The same for every restart: the engine comes back on its first port. */
  uri: string;
  stop(): Promise<void>;
}

/**
 * The embedded engine, restarted on the same port and data directory whenever its process dies
 * (killed, out of memory): the server behind it keeps its connection string, and the driver
 * reconnects by itself, so a crash of the engine costs a few seconds of 503s, not the service.
 */
export async function superviseEmbeddedDb(options: EmbeddedDbSupervisorOptions): Promise<SupervisedEmbeddedDb> {
  const start = options.start ?? startEmbeddedDb;
  let current = await start(options);
  const port = Number(new URL(current.uri).port);
  let stopping = false;
  let wakeUp: (() => void) | undefined;
  let restarting: Promise<void> = Promise.resolve();

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const restart = async (exit: EmbeddedDbExit) => {
    for (let attempt = 0; !stopping; attempt++) {
      const delay = delayBefore(attempt);
      if (attempt === 0) options.onExit(exit, delay);
      await pause(delay);
      if (stopping) return;
      try {
        current = await start({ ...options, port });
      } catch (err) {
        options.onRestartFailed(err, delayBefore(attempt + 1));
        continue;
      }
      if (stopping) return;
      options.onRestart();
      watch(current);
      return;
    }
  };

  const watch = (db: EmbeddedDb) => {
    void db.exited.then((exit) => {
      if (!stopping) restarting = restart(exit);
    });
  };
  watch(current);

  return {
    uri: current.uri,
    async stop() {
      stopping = true;
      wakeUp?.();
      await restarting;
      await current.stop();
    },
  };
}
