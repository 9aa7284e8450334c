/**
 * Runs tasks one after another per key (e.g. per session), so events of one session are handled
 * in the order the engine emitted them while different sessions proceed in parallel. A failing
 * task is reported and does not block the tasks after it.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly onError: (err: unknown, key: string) => void) {}

  /** Queues a task; the promise settles with the task (rejects if it fails). */
  run(key: string, task: () => Promise<void>): Promise<void> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const result = prev.then(task);
    const next = result.catch((err: unknown) => this.onError(err, key));
    this.tails.set(key, next);
    void next.then(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    });
    return result;
  }

  /** Resolves when every task queued for `key` so far has finished. */
  async drainKey(key: string): Promise<void> {
    while (this.tails.has(key)) await this.tails.get(key);
  }

  /** Resolves when every queued task has finished. */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
