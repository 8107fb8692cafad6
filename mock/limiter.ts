// --max-concurrency: at most `limit` requests in service, the rest wait first-in first-out.

export interface Waiter {
  cancelled: boolean;
  grant: () => void;
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
  acquire(grant: () => void): Waiter {
    const waiter: Waiter = { cancelled: false, grant };
    if (this.limit <= 0 || this.active < this.limit) {
      this.active++;
      grant();
    } else this.queue.push(waiter);
    return waiter;
  }

  release(): void {
    while (this.head < this.queue.length) {
      const next = this.queue[this.head++];
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      if (!next.cancelled) {
        next.grant();
        return;
      }
    }
    this.active--;
  }
}
