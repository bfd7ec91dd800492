/**
 * Waiters for blocking queries: each waits until an index it watches moves past a value, a
 * timeout fires, or its request goes away. The catalog calls {@link ChangeWaiters.notify}
 * after every change; each waiter re-reads its own index, so one notification serves
 * endpoints that watch different indexes (global, per service, per node).
 */

interface Waiter {
  readonly check: () => void;
}

/** The set of pending blocking-query waiters. */
export class ChangeWaiters {
  private readonly waiters = new Set<Waiter>();

  /** Number of pending waiters (for metrics and tests). */
  get size(): number {
    return this.waiters.size;
  }

  /**
   * Resolves with `indexOf()` once it exceeds `index`, or after `timeoutMs`, or when `signal`
   * aborts, whichever comes first. Never rejects: a blocking query that times out simply
   * answers with the current state, as Consul's do.
   */
  wait(index: number, timeoutMs: number, indexOf: () => number, signal?: AbortSignal): Promise<number> {
    if (indexOf() > index || signal?.aborted === true || timeoutMs <= 0) return Promise.resolve(indexOf());
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", finish);
        this.waiters.delete(waiter);
        resolve(indexOf());
      };
      const waiter: Waiter = {
        check: () => {
          if (indexOf() > index) finish();
        },
      };
      // Unref'd: a pending blocking query must not keep a process alive that wants to exit.
      const timer = setTimeout(finish, timeoutMs);
      timer.unref();
      signal?.addEventListener("abort", finish, { once: true });
      this.waiters.add(waiter);
    });
  }

  /** Re-checks every waiter; called after each change. */
  notify(): void {
    for (const waiter of [...this.waiters]) waiter.check();
  }
}
