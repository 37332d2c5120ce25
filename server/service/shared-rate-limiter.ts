import type { RateCount, RateCounterStore } from '../store/store.js';

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the current window ends (when a refused event could be allowed again). */
  retryAfterSeconds: number;
}

/**
 * Fixed-window limits shared by every server instance, decided without touching the database:
 * each instance counts in memory and, every `syncIntervalMs` in the background, writes its own
 * count per scope and window and reads the others'. A decision is
 *   this instance's unsynced count + every instance's synced counts.
 * So the limit can be passed only by what other instances allow between two syncs.
 */
export interface SharedRateLimiter {
  /** Counts `count` events (default 1) unless they would take the scope past `limit` in the current window: all or none. */
  take(kind: string, scope: string, limit: number, count?: number): RateDecision;
  /** Whether the scope has reached `limit` (counts nothing). */
  check(kind: string, scope: string, limit: number): RateDecision;
  /** Counts one event whatever the count is. */
  add(kind: string, scope: string): void;
  /** Writes this instance's counts and reads everyone's now (the timer does it by itself). */
  sync(): Promise<void>;
  /** Stops the timer after a last sync. */
  stop(): Promise<void>;
}

export interface SharedRateLimiterOptions {
  store: RateCounterStore;
  instanceId: string;
  windowMs: number;
  syncIntervalMs: number;
  /**
   * Kinds whose every scope is read at each sync, so an instance knows a scope's count before
   * it sees the scope itself (keys: few, so cheap). Other kinds (client addresses, which an
   * attacker can multiply) are read only for the scopes this instance has seen.
   */
  readAllOfKinds: readonly string[];
  /**
   * Scopes tracked per window at most; beyond that the scope counted least recently is forgotten
   * (and that is logged once per window), so a new scope is always limited.
   */
  maxScopes: number;
  now: () => number;
  onError: (err: unknown) => void;
}

interface Counter {
  kind: string;
  /** Counted here, not yet written. */
  local: number;
  /** Counted here and written. */
  written: number;
}

const CLEANUP_EVERY_MS = 60_000;

/** What this instance knows of the current window: its own counts and, as of the last sync, the others'. */
class WindowCounts {
  private window = -1; // set on first use
  private counters = new Map<string, Counter>();
  private others = new Map<string, number>();
  private warnedFull = false;

  constructor(private readonly options: Pick<SharedRateLimiterOptions, 'windowMs' | 'maxScopes' | 'now' | 'onError'>) {}

  /** Starts afresh when the clock has entered a new window; returns the current one and this instance's counters in it. */
  roll(): { window: number; counters: ReadonlyMap<string, Counter> } {
    const current = Math.floor(this.options.now() / this.options.windowMs);
    if (current !== this.window) {
      this.window = current;
      this.counters = new Map();
      this.others = new Map();
      this.warnedFull = false;
    }
    return { window: this.window, counters: this.counters };
  }

  check(scope: string, limit: number, count = 1): RateDecision {
    this.roll();
    return this.countOf(scope) + count > limit
      ? { allowed: false, retryAfterSeconds: this.retryAfterSeconds() }
      : { allowed: true, retryAfterSeconds: 0 };
  }

  /** Counts `count` events in the window last rolled to. */
  increment(kind: string, scope: string, count = 1): void {
    this.counter(kind, scope).local += count;
  }

  /** Takes what a sync read for `window`, unless that window has ended meanwhile. */
  setOthers(window: number, others: Map<string, number>): void {
    if (this.window === window) this.others = others;
  }

  private countOf(scope: string): number {
    const c = this.counters.get(scope);
    return (c ? c.local + c.written : 0) + (this.others.get(scope) ?? 0);
  }

  private retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(((this.window + 1) * this.options.windowMs - this.options.now()) / 1000));
  }

  /**
   * Bounded so that an attacker with many addresses cannot grow memory (or the sync) without
   * limit. When full, the scope counted least recently is forgotten rather than the new one left
   * uncounted: a scope still being counted stays limited, and forgetting an idle one gives its
   * owner nothing that owning that many addresses did not already give.
   */
  private counter(kind: string, scope: string): Counter {
    let c = this.counters.get(scope);
    if (c) {
      // Map order is insertion order: moved to the end, the first entry is the least recently counted.
      this.counters.delete(scope);
    } else {
      c = { kind, local: 0, written: 0 };
      if (this.counters.size >= this.options.maxScopes) {
        if (!this.warnedFull)
          this.options.onError(
            new Error(`rate limiting tracks at most ${this.options.maxScopes} scopes per window; the least recently counted are forgotten`),
          );
        this.warnedFull = true;
        const oldest = this.counters.keys().next().value!;
        this.counters.delete(oldest);
        this.others.delete(oldest);
      }
    }
    this.counters.set(scope, c);
    return c;
  }
}

/** Writes this instance's unwritten counts of the current window, then reads the other instances'. */
async function exchangeCounts(options: SharedRateLimiterOptions, counts: WindowCounts): Promise<void> {
  const { window: w, counters: mine } = counts.roll();
  const pending: Array<RateCount & { local: number; counter: Counter }> = [];
  for (const [scope, c] of mine)
    if (c.local > 0) pending.push({ kind: c.kind, scope, window: w, count: c.written + c.local, local: c.local, counter: c });
  if (pending.length > 0) {
    // Kept one window longer than needed, for instances whose clocks run a little behind.
    await options.store.write(
      options.instanceId,
      pending.map(({ local: _, counter: __, ...c }) => c),
      new Date((w + 2) * options.windowMs),
    );
    // Only what was written moves: events counted during the write stay local for the next sync.
    // (A counter forgotten meanwhile to make room is updated all the same, harmlessly.)
    for (const { counter, local } of pending) {
      counter.local -= local;
      counter.written += local;
    }
  }
  const seen = [...mine].filter(([, c]) => !options.readAllOfKinds.includes(c.kind)).map(([scope]) => scope);
  const read = await options.store.readOthers(options.instanceId, w, { kinds: options.readAllOfKinds, scopes: seen });
  counts.setOthers(w, read);
}

/** Runs `task` every `intervalMs`, skipping a tick while the last run is still going. */
function startInterval(task: () => Promise<void>, intervalMs: number, onError: (err: unknown) => void): NodeJS.Timeout {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    task()
      .catch(onError)
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return timer;
}

export function startSharedRateLimiter(options: SharedRateLimiterOptions): SharedRateLimiter {
  const counts = new WindowCounts(options);
  let lastCleanup = 0;

  const syncOnce = async () => {
    await exchangeCounts(options, counts);
    if (options.now() - lastCleanup >= CLEANUP_EVERY_MS) {
      lastCleanup = options.now();
      await options.store.deleteExpired(new Date(options.now()));
    }
  };
  // One sync at a time; a failed one leaves the counts local, for the next.
  let syncing: Promise<void> = Promise.resolve();
  const sync = () => (syncing = syncing.catch(() => {}).then(syncOnce));

  const timer = startInterval(sync, options.syncIntervalMs, options.onError);

  return {
    take(kind, scope, limit, count = 1) {
      const decision = counts.check(scope, limit, count);
      if (decision.allowed) counts.increment(kind, scope, count);
      return decision;
    },
    check: (_kind, scope, limit) => counts.check(scope, limit),
    add(kind, scope) {
      counts.roll();
      counts.increment(kind, scope);
    },
    sync,
    async stop() {
      clearInterval(timer);
      await sync();
    },
  };
}
