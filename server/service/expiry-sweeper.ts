import type { InviteStore } from '../store/store.js';

export interface ExpirySweeperOptions {
  invites: Pick<InviteStore, 'deleteExpired'>;
  retentionSeconds: number;
  /** The shortest time between the end of one sweep and the start of the next. */
  intervalMs: number;
  now: () => Date;
  onError: (err: unknown) => void;
}

/**
 * A sweep may take at most this share of the time, so that a large backlog (a long outage, a
 * lowered retention) does not crowd out the creates. Each sweep reads only what is due, through
 * the invite index's expiry entries (server/store/mongo-invite-index.ts): no scan.
 */
const MAX_SWEEP_SHARE = 0.02;

/** The wait before the next sweep, given how long the last one took. */
export function nextSweepDelay(intervalMs: number, lastSweepMs: number): number {
  return Math.max(intervalMs, lastSweepMs / MAX_SWEEP_SHARE);
}

/**
 * Removes long-expired invites, on every engine (none relies on TTL indexes). Correctness never depends on
 * it (every query checks expiry); it only keeps the collection from growing without bound.
 * One sweep at a time per instance; several instances may sweep at once: deleting is idempotent.
 */
export function startExpirySweeper(options: ExpirySweeperOptions): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const sweep = async () => {
    const started = performance.now();
    const before = new Date(options.now().getTime() - options.retentionSeconds * 1000);
    await options.invites.deleteExpired(before).catch(options.onError);
    if (stopped) return;
    timer = setTimeout(() => (running = sweep()), nextSweepDelay(options.intervalMs, performance.now() - started));
    timer.unref();
  };
  let running = sweep();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
