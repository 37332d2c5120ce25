import type { KeyUsage } from '../domain/key.js';
import type { KeyUsageStore } from '../store/store.js';

/**
 * Key use (count and last time) without a database write per request: counted in memory
 * and written every few seconds, and on shutdown, as this instance's cumulative figures.
 */
export interface UsageRecorder {
  record(keyId: string, at: Date): void;
  /** Writes what is not yet written. */
  flush(): Promise<void>;
  /** Every instance's figures, this one's written first so they are exact here. */
  totals(keyIds: readonly string[]): Promise<Map<string, KeyUsage>>;
  /** Forgets a deleted key, here and in the store. */
  forget(keyId: string): Promise<void>;
  /** Stops the timer after a last flush. */
  stop(): Promise<void>;
}

export interface UsageRecorderOptions {
  store: KeyUsageStore;
  /** This server process; only it writes its documents. */
  instanceId: string;
  flushIntervalMs: number;
  onError: (err: unknown) => void;
}

interface Figures {
  count: number;
  lastUsedAt: Date;
  /** `count` as last written. */
  written: number;
}

export function startUsageRecorder(options: UsageRecorderOptions): UsageRecorder {
  const figures = new Map<string, Figures>();
  let flushing: Promise<void> = Promise.resolve();

  const writeDirty = async () => {
    const dirty = [...figures]
      .filter(([, f]) => f.count !== f.written)
      .map(([keyId, f]) => ({ keyId, count: f.count, lastUsedAt: f.lastUsedAt }));
    if (dirty.length === 0) return;
    await options.store.write(options.instanceId, dirty);
    for (const d of dirty) {
      const f = figures.get(d.keyId);
      if (f) f.written = d.count;
    }
  };
  // One write at a time; a failed one is retried with the next flush (the figures are cumulative).
  const flush = () => (flushing = flushing.catch(() => {}).then(writeDirty));

  const timer = setInterval(() => flush().catch(options.onError), options.flushIntervalMs);
  timer.unref();

  return {
    record(keyId, at) {
      const f = figures.get(keyId);
      if (f) {
        f.count++;
        if (at > f.lastUsedAt) f.lastUsedAt = at;
      } else {
        figures.set(keyId, { count: 1, lastUsedAt: at, written: 0 });
      }
    },
    flush,
    async totals(keyIds) {
      await flush().catch(options.onError);
      return options.store.totals(keyIds);
    },
    async forget(keyId) {
      figures.delete(keyId);
      await options.store.deleteKey(keyId);
    },
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}
