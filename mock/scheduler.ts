// One timer for every stream. Tasks are due at absolute deadlines (performance.now() ms), grouped in
// 1 ms buckets; a single setTimeout is armed for the earliest bucket. A stream's next deadline is its
// previous deadline plus the gap, never "now" plus the gap, so timer lateness does not accumulate,
// and thousands of streams due in the same millisecond are served by one wake-up.
import { performance } from 'node:perf_hooks';

/** Longest wait setTimeout honours (2^31 - 1 ms); Node fires longer ones after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Task {
  /** Set by Scheduler.cancel(); a cancelled task never runs. */
  cancelled: boolean;
  /** Bucket the task waits in (set by the scheduler; undefined once it is due or not queued). */
  dueKey?: number;
  run(now: number): void;
  /** Called when run() threw, so the task can release what it holds. */
  fail?(error: unknown): void;
}

/** Binary min-heap of bucket keys (integers). */
class KeyHeap {
  private items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): number | undefined {
    return this.items[0];
  }
  push(key: number): void {
    const a = this.items;
    a.push(key);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent] <= key) break;
      a[i] = a[parent];
      i = parent;
    }
    a[i] = key;
  }
  pop(): number | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && a[r] < a[l] ? r : l;
        if (a[c] >= last) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
  clear(): void {
    this.items = [];
  }
  /** Replaces the contents with `keys` (used to drop keys whose buckets were emptied by cancel()). */
  reset(keys: Iterable<number>): void {
    this.items = [];
    for (const key of keys) this.push(key);
  }
}

export class Scheduler {
  private buckets = new Map<number, Task[]>();
  private keys = new KeyHeap();
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private armedFor = Infinity;
  private stopped = false;
  private readonly tick = () => this.fire();

  /** Number of queued tasks not yet run (cancel() removes a task at once). */
  pending = 0;

  now(): number {
    return performance.now();
  }

  /** Runs `task` at `deadline` (performance.now() ms); past deadlines run on the next wake-up. */
  at(deadline: number, task: Task): void {
    if (this.stopped) return;
    // Round to the nearest millisecond; a bucket runs once its key is within half a millisecond, so a
    // task runs at most 1 ms early. Streams with a fixed gap keep the same rounding every token.
    const key = Math.round(deadline);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = [];
      this.buckets.set(key, bucket);
      this.keys.push(key);
    }
    bucket.push(task);
    task.dueKey = key;
    this.pending++;
    if (key < this.armedFor) this.arm(key);
  }

  /** Promise resolved at `deadline` unless cancelled through the returned task. */
  sleep(deadline: number): { promise: Promise<boolean>; task: Task & { resolve?: (ok: boolean) => void } } {
    const task: Task & { resolve?: (ok: boolean) => void } = {
      cancelled: false,
      run() {
        task.resolve?.(true);
      },
    };
    const promise = new Promise<boolean>((resolve) => {
      task.resolve = resolve;
    });
    this.at(deadline, task);
    return { promise, task };
  }

  /**
   * Marks `task` cancelled and takes it out of its bucket now, so a long wait left by a client that
   * went away holds no memory and no timer (an emptied earliest bucket re-arms for the next one).
   */
  cancel(task: Task): void {
    task.cancelled = true;
    const key = task.dueKey;
    if (key === undefined) return;
    task.dueKey = undefined;
    const bucket = this.buckets.get(key);
    const i = bucket ? bucket.indexOf(task) : -1;
    if (i < 0) return;
    bucket!.splice(i, 1);
    this.pending--;
    if (bucket!.length > 0) return;
    this.buckets.delete(key);
    // Keys of emptied buckets are skipped lazily; rebuild when they would outnumber the live ones.
    if (this.keys.size > 2 * this.buckets.size + 64) this.keys.reset(this.buckets.keys());
    let next = this.keys.peek();
    while (next !== undefined && !this.buckets.has(next)) {
      this.keys.pop();
      next = this.keys.peek();
    }
    if (next === undefined) this.disarm();
    else if (next !== this.armedFor) this.arm(next);
  }

  /** Stops every timer; pending tasks never run. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    this.buckets.clear();
    this.keys.clear();
    this.pending = 0;
    this.armedFor = Infinity;
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    this.armedFor = Infinity;
  }

  private arm(key: number): void {
    this.disarm();
    this.armedFor = key;
    const wait = key - 0.5 - performance.now();
    // Overdue: run on the next loop turn. Otherwise a timer, at least 1 ms (its granularity); no
    // busy-waiting, so an idle mock costs no CPU and a busy one spends it on sockets.
    if (wait <= 0) this.immediate = setImmediate(this.tick);
    // A wait beyond setTimeout's range is cut to its maximum; fire() then re-arms for the rest.
    else this.timer = setTimeout(this.tick, Math.min(MAX_TIMER_MS, Math.max(1, Math.round(wait))));
  }

  private fire(): void {
    this.timer = null;
    this.immediate = null;
    this.armedFor = Infinity;
    let now = performance.now();
    for (;;) {
      const key = this.keys.peek();
      if (key === undefined) return;
      if (key - 0.5 > now) {
        now = performance.now();
        if (key - 0.5 > now) {
          this.arm(key);
          return;
        }
      }
      this.keys.pop();
      const bucket = this.buckets.get(key);
      if (bucket === undefined) continue; // emptied by cancel(), or a duplicate key
      this.buckets.delete(key);
      // Tasks may schedule into later buckets (or, if late, an earlier key), which the loop then picks up.
      for (let i = 0; i < bucket.length; i++) {
        const task = bucket[i];
        this.pending--;
        task.dueKey = undefined;
        if (task.cancelled) continue;
        try {
          task.run(now);
        } catch (error) {
          // One broken stream must not stop the others (or the server).
          process.stderr.write(`mock: stream task failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
          task.fail?.(error);
        }
      }
      if (this.stopped) return;
    }
  }
}
