/**
 * Group commit: callers hand in one item each and wait for their own outcome, while the
 * items that arrive during a write are written together in the next one. There is no timer:
 * a lone caller is written at once, and under load batches grow by themselves.
 */
export interface GroupCommitOptions<T> {
  /**
   * Writes a batch. Resolves with one entry per item: undefined when that item is durably
   * written, or the error for that item. Rejecting fails every item of the batch.
   */
  write(items: T[]): Promise<Array<Error | undefined>>;
  maxBatch: number;
  /** Writes in flight at once. */
  maxInFlight: number;
}

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface GroupCommit<T> {
  submit(item: T): Promise<void>;
}

export function createGroupCommit<T>(options: GroupCommitOptions<T>): GroupCommit<T> {
  let queue: Pending<T>[] = [];
  let inFlight = 0;

  const pump = () => {
    while (queue.length > 0 && inFlight < options.maxInFlight) {
      const batch = queue.slice(0, options.maxBatch);
      queue = queue.slice(batch.length);
      inFlight++;
      const done = (answer: (p: Pending<T>, i: number) => void) => {
        inFlight--;
        const waiting = queue.length > 0;
        pump();
        // The next batch goes to the database first; answering first would leave the database
        // idle while every caller of this batch builds and writes its response.
        if (waiting) setImmediate(() => batch.forEach(answer));
        else batch.forEach(answer);
      };
      options.write(batch.map((p) => p.item)).then(
        (outcomes) => done((p, i) => (outcomes[i] ? p.reject(outcomes[i]) : p.resolve())),
        (err) => done((p) => p.reject(err)),
      );
    }
  };

  return {
    submit(item) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        // Requests read in the same event-loop turn join the first one in its batch.
        if (queue.length === 1) setImmediate(pump);
      });
    },
  };
}
