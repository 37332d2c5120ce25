import type { InviteStore } from '../store/store.js';

export interface ExpirySweeperOptions {
  invites: Pick<InviteStore, 'deleteExpired'>;
  retentionSeconds: number;
  intervalMs: number;
  now: () => Date;
  onError: (err: unknown) => void;
}

/**
 * Removes long-expired invites on engines without TTL indexes. Correctness never depends on
 * it (every query checks expiry); it only keeps the collection from growing without bound.
 * Several instances may sweep at once: deleting is idempotent.
 */
export function startExpirySweeper(options: ExpirySweeperOptions): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    const before = new Date(options.now().getTime() - options.retentionSeconds * 1000);
    running = options.invites.deleteExpired(before).catch(options.onError);
  };
  const timer = setInterval(sweep, options.intervalMs);
  timer.unref();
  sweep();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
