// --max-concurrency: at most `limit` requests in service, the rest wait first-in first-out.

export interface Waiter {
  cancelled: boolean;
  /** `freedAt`: when the slot's previous request was due to end (null: now). */
  grant: (freedAt: number | null) => void;
}

export class ConcurrencyLimiter {
  private active = 0;
  private queue: Waiter[] = [];
  private head = 0;

  constructor(private readonly limit: number) {}

  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** Calls `grant` now or when a slot frees; cancel by setting `cancelled` on the returned waiter. */
  acquire(grant: (freedAt: number | null) => void): Waiter {
    const waiter: Waiter = { cancelled: false, grant };
    if (this.limit <= 0 || this.active < this.limit) {
      this.active++;
      grant(null);
    } else this.queue.push(waiter);
    return waiter;
  }

  /** Frees a slot; `freedAt` is when its request was due to end (its successor's service starts there). */
  release(freedAt: number | null = null): void {
    while (this.head < this.queue.length) {
      const next = this.queue[this.head++];
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      if (!next.cancelled) {
        next.grant(freedAt);
        return;
      }
    }
    this.active--;
  }
}
