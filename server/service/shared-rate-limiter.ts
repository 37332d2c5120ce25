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
  /** Counts one event unless the scope has reached `limit` in the current window. */
  take(kind: string, scope: string, limit: number): RateDecision;
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
  /** Scopes tracked per window at most; beyond that new scopes are not counted (and logged). */
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

export function startSharedRateLimiter(options: SharedRateLimiterOptions): SharedRateLimiter {
  let window = -1; // set on first use
  let counters = new Map<string, Counter>();
  let others = new Map<string, number>();
  let warnedFull = false;
  let lastCleanup = 0;

  const roll = () => {
    const current = Math.floor(options.now() / options.windowMs);
    if (current !== window) {
      window = current;
      counters = new Map();
      others = new Map();
      warnedFull = false;
    }
  };
  const countOf = (scope: string) => {
    const c = counters.get(scope);
    return (c ? c.local + c.written : 0) + (others.get(scope) ?? 0);
  };
  const retryAfterSeconds = () => Math.max(1, Math.ceil(((window + 1) * options.windowMs - options.now()) / 1000));
  const counter = (kind: string, scope: string) => {
    let c = counters.get(scope);
    if (!c) {
      if (counters.size >= options.maxScopes) {
        if (!warnedFull) options.onError(new Error(`rate limiting tracks at most ${options.maxScopes} scopes per window; more are not counted`));
        warnedFull = true;
        return undefined;
      }
      c = { kind, local: 0, written: 0 };
      counters.set(scope, c);
    }
    return c;
  };

  const check = (scope: string, limit: number): RateDecision => {
    roll();
    return countOf(scope) >= limit ? { allowed: false, retryAfterSeconds: retryAfterSeconds() } : { allowed: true, retryAfterSeconds: 0 };
  };

  let syncing: Promise<void> = Promise.resolve();
  const syncOnce = async () => {
    roll();
    const w = window;
    const mine = counters;
    const pending: Array<RateCount & { local: number }> = [];
    for (const [scope, c] of mine) if (c.local > 0) pending.push({ kind: c.kind, scope, window: w, count: c.written + c.local, local: c.local });
    if (pending.length > 0) {
      // Kept one window longer than needed, for instances whose clocks run a little behind.
      await options.store.write(options.instanceId, pending.map(({ local: _, ...c }) => c), new Date((w + 2) * options.windowMs));
      for (const p of pending) {
        const c = mine.get(p.scope)!;
        c.local -= p.local;
        c.written += p.local;
      }
    }
    const seen = [...mine].filter(([, c]) => !options.readAllOfKinds.includes(c.kind)).map(([scope]) => scope);
    const read = await options.store.readOthers(options.instanceId, w, { kinds: options.readAllOfKinds, scopes: seen });
    if (window === w) others = read;
    if (options.now() - lastCleanup >= CLEANUP_EVERY_MS) {
      lastCleanup = options.now();
      await options.store.deleteExpired(new Date(options.now()));
    }
  };
  const sync = () => (syncing = syncing.catch(() => {}).then(syncOnce));

  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sync()
      .catch(options.onError)
      .finally(() => (running = false));
  }, options.syncIntervalMs);
  timer.unref();

  return {
    take(kind, scope, limit) {
      const decision = check(scope, limit);
      if (decision.allowed) {
        const c = counter(kind, scope);
        if (c) c.local++;
      }
      return decision;
    },
    check: (_kind, scope, limit) => check(scope, limit),
    add(kind, scope) {
      roll();
      const c = counter(kind, scope);
      if (c) c.local++;
    },
    sync,
    async stop() {
      clearInterval(timer);
      await sync();
    },
  };
}
