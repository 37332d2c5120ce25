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

/** A probe's raw outcome; what it means for serving is decided by `probedSnapshot`. */
type ProbeResult = { answered: true; roundTripMs: number; missing: string[] } | { answered: false; err: unknown };

/** Rejects with ProbeTimeout if `work` takes longer than `timeoutMs` (the work itself goes on). */
function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new ProbeTimeout()), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(t));
}

/**
 * Asks the database whether it answers and has its indexes, within `timeoutMs`. At most one ping
 * outstanding: a hung database must not pile up probes, so callers check `busy()` first.
 */
function createDatabaseProbe(options: HealthMonitorOptions) {
  let outstanding: Promise<unknown> | undefined;
  return {
    busy: () => outstanding !== undefined,
    async run(): Promise<ProbeResult> {
      const started = performance.now();
      const work = (async () => {
        await options.ping();
        const roundTripMs = performance.now() - started;
        options.onRoundTrip?.(roundTripMs / 1000);
        return { roundTripMs, missing: await options.missingIndexes() };
      })();
      outstanding = work.finally(() => (outstanding = undefined)).catch(() => {});
      try {
        return { answered: true, ...(await withTimeout(work, options.timeoutMs)) };
      } catch (err) {
        return { answered: false, err };
      }
    },
  };
}

/** What a probe reports; a failed one keeps the last round trip and index list, for operators. */
function probedSnapshot(result: ProbeResult, previous: HealthSnapshot, checkedAt: Date, timeoutMs: number): HealthSnapshot {
  if (!result.answered) {
    const problem =
      result.err instanceof ProbeTimeout ? `the database did not answer within ${timeoutMs} ms` : 'the database is unreachable';
    return { ...previous, serving: false, databaseReachable: false, checkedAt, problem };
  }
  const { roundTripMs, missing } = result;
  const problem = missing.length ? `missing database indexes: ${missing.join(', ')}` : undefined;
  return {
    serving: missing.length === 0,
    databaseReachable: true,
    checkedAt,
    roundTripMs: Math.round(roundTripMs * 100) / 100,
    problem,
    missingIndexes: missing,
  };
}

/** A probe skipped because the last one has not come back: the database has stopped answering. */
function stalledSnapshot(previous: HealthSnapshot, checkedAt: Date, timeoutMs: number): HealthSnapshot {
  const problem = `the database has not answered for over ${timeoutMs} ms`;
  return { ...previous, serving: false, databaseReachable: false, checkedAt, problem };
}

/** Before the first probe: not serving, since nothing is known yet. */
function uncheckedSnapshot(): HealthSnapshot {
  return {
    serving: false,
    databaseReachable: false,
    checkedAt: undefined,
    roundTripMs: undefined,
    problem: 'not checked yet',
    missingIndexes: [],
  };
}

/** The open watch streams: each is woken when `serving` flips and ended when the monitor stops. */
function createWatchers(current: () => HealthSnapshot, stopped: () => boolean) {
  const listeners = new Set<{ changed: () => void; ended: () => void }>();
  return {
    changed: () => listeners.forEach((listener) => listener.changed()),
    ended: () => listeners.forEach((listener) => listener.ended()),
    async *watch(signal: AbortSignal): AsyncIterable<HealthSnapshot> {
      let wake: (() => void) | undefined;
      // The first pass yields the current state, whatever it is.
      let pending = true;
      const listener = { changed: () => ((pending = true), wake?.()), ended: () => wake?.() };
      listeners.add(listener);
      signal.addEventListener('abort', listener.ended);
      try {
        for (;;) {
          if (signal.aborted) return;
          if (pending) {
            pending = false;
            yield current();
            continue;
          }
          if (stopped()) return;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      } finally {
        listeners.delete(listener);
        signal.removeEventListener('abort', listener.ended);
      }
    },
  };
}

export function createHealthMonitor(options: HealthMonitorOptions): HealthMonitor {
  const now = options.now ?? (() => new Date());
  let snapshot = uncheckedSnapshot();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const database = createDatabaseProbe(options);
  const watchers = createWatchers(
    () => snapshot,
    () => stopped,
  );

  // Only a flip of `serving` is news: for the log and for watchers.
  const publish = (next: HealthSnapshot, err: unknown, quiet = false) => {
    const flipped = next.serving !== snapshot.serving;
    snapshot = next;
    if (!flipped) return;
    if (!quiet) options.onChange?.(next, err);
    watchers.changed();
  };

  const probe = async () => {
    if (database.busy()) {
      publish(stalledSnapshot(snapshot, now(), options.timeoutMs), undefined);
      return;
    }
    const result = await database.run();
    // stop() has already reported not serving; a late answer must not undo that.
    if (stopped) return;
    publish(probedSnapshot(result, snapshot, now(), options.timeoutMs), result.answered ? undefined : result.err);
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void probe().finally(schedule), options.intervalMs);
    timer.unref();
  };

  return {
    current: () => snapshot,
    watch: (signal) => watchers.watch(signal),

    async start() {
      await probe();
      schedule();
    },

    stop() {
      if (stopped) return;
      clearTimeout(timer);
      publish({ ...snapshot, serving: false, checkedAt: now(), problem: 'the server is shutting down' }, undefined, true);
      stopped = true;
      watchers.ended();
    },
  };
}
