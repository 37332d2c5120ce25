/** What the health probes, readiness checks and gRPC health service report. */
export interface HealthSnapshot {
  /** The database answered the last probe and its indexes are in place. */
  serving: boolean;
  /** The database answered the last probe in time. */
  databaseReachable: boolean;
  /** When the last probe finished. */
  checkedAt: Date | undefined;
  /** Round trip of the last successful ping, in milliseconds. */
  roundTripMs: number | undefined;
  /** Why not serving, worded for operators (never driver text, which may name hosts or users). */
  problem: string | undefined;
  /** Named indexes the database lacks. */
  missingIndexes: readonly string[];
}

export interface HealthMonitorOptions {
  ping(): Promise<void>;
  missingIndexes(): Promise<string[]>;
  intervalMs: number;
  /** A probe slower than this counts as a failure. */
  timeoutMs: number;
  /** Fed with each successful ping's round trip (the database latency histogram). */
  onRoundTrip?(seconds: number): void;
  /** Called when a probe flips serving; `err` is what made it fail, for the log. */
  onChange?(snapshot: HealthSnapshot, err: unknown): void;
  now?: () => Date;
}

export interface HealthMonitor {
  current(): HealthSnapshot;
  /** The current state, then every change of `serving`, until `signal` aborts or the monitor stops. */
  watch(signal: AbortSignal): AsyncIterable<HealthSnapshot>;
  /** Runs the first probe (so the server starts knowing its state), then probes periodically. */
  start(): Promise<void>;
  /** Stops probing, reports not serving (the server is going away) and ends every watch. */
  stop(): void;
}

class ProbeTimeout extends Error {}

export function createHealthMonitor(options: HealthMonitorOptions): HealthMonitor {
  const now = options.now ?? (() => new Date());
  let snapshot: HealthSnapshot = { serving: false, databaseReachable: false, checkedAt: undefined, roundTripMs: undefined, problem: 'not checked yet', missingIndexes: [] };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // At most one ping outstanding: a hung database must not pile up probes.
  let outstanding: Promise<unknown> | undefined;
  const listeners = new Set<{ changed: () => void; ended: () => void }>();

  const publish = (next: HealthSnapshot, err: unknown, quiet = false) => {
    const flipped = next.serving !== snapshot.serving;
    snapshot = next;
    if (!flipped) return;
    if (!quiet) options.onChange?.(next, err);
    for (const listener of listeners) listener.changed();
  };

  const withTimeout = <T>(work: Promise<T>): Promise<T> => {
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new ProbeTimeout()), options.timeoutMs);
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(t));
  };

  const probe = async () => {
    if (outstanding) {
      publish({ ...snapshot, serving: false, databaseReachable: false, checkedAt: now(), problem: `the database has not answered for over ${options.timeoutMs} ms` }, undefined);
      return;
    }
    const started = performance.now();
    const work = (async () => {
      await options.ping();
      const roundTripMs = performance.now() - started;
      options.onRoundTrip?.(roundTripMs / 1000);
      return { roundTripMs, missing: await options.missingIndexes() };
    })();
    outstanding = work.finally(() => (outstanding = undefined)).catch(() => {});
    try {
      const { roundTripMs, missing } = await withTimeout(work);
      if (stopped) return;
      const problem = missing.length ? `missing database indexes: ${missing.join(', ')}` : undefined;
      publish({ serving: missing.length === 0, databaseReachable: true, checkedAt: now(), roundTripMs: Math.round(roundTripMs * 100) / 100, problem, missingIndexes: missing }, undefined);
    } catch (err) {
      if (stopped) return;
      const problem = err instanceof ProbeTimeout ? `the database did not answer within ${options.timeoutMs} ms` : 'the database is unreachable';
      publish({ ...snapshot, serving: false, databaseReachable: false, checkedAt: now(), problem }, err);
    }
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void probe().finally(schedule), options.intervalMs);
    timer.unref();
  };

  return {
    current: () => snapshot,

    async *watch(signal) {
      let wake: (() => void) | undefined;
      let pending = true;
      const listener = { changed: () => ((pending = true), wake?.()), ended: () => wake?.() };
      listeners.add(listener);
      signal.addEventListener('abort', listener.ended);
      try {
        for (;;) {
          if (signal.aborted) return;
          if (pending) {
            pending = false;
            yield snapshot;
            continue;
          }
          if (stopped) return;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      } finally {
        listeners.delete(listener);
        signal.removeEventListener('abort', listener.ended);
      }
    },

    async start() {
      await probe();
      schedule();
    },

    stop() {
      if (stopped) return;
      clearTimeout(timer);
      publish({ ...snapshot, serving: false, checkedAt: now(), problem: 'the server is shutting down' }, undefined, true);
      stopped = true;
      for (const listener of listeners) listener.ended();
    },
  };
}
