import { describe, expect, it } from 'vitest';
import { Scheduler, type Task } from './scheduler.ts';

describe('Scheduler', () => {
  it('runs tasks in deadline order, never a millisecond or more early', async () => {
    const s = new Scheduler();
    const start = s.now();
    const seen: { id: number; at: number; due: number }[] = [];
    const deadlines = [30, 5, 18, 5.4, 12, 0, 25];
    await new Promise<void>((resolve) => {
      deadlines.forEach((offset, id) => {
        const due = start + offset;
        s.at(due, {
          cancelled: false,
          run: () => {
            seen.push({ id, at: s.now(), due });
            if (seen.length === deadlines.length) resolve();
          },
        });
      });
    });
    const order = seen.map((x) => deadlines[x.id]);
    expect(order).toEqual([...order].sort((a, b) => a - b).map((v) => v));
    // Buckets are whole milliseconds (nearest) run from half a millisecond before: at most 1 ms early.
    for (const x of seen) expect(x.at).toBeGreaterThan(x.due - 1);
    expect(s.pending).toBe(0);
  });

  it('drops cancelled tasks and survives a task that throws', async () => {
    const s = new Scheduler();
    const ran: string[] = [];
    let failed = false;
    const cancelled: Task = { cancelled: false, run: () => ran.push('cancelled') };
    const bad: Task = {
      cancelled: false,
      run: () => {
        throw new Error('boom');
      },
      fail: () => {
        failed = true;
      },
    };
    const writes: string[] = [];
    const origWrite = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (writes.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      await new Promise<void>((resolve) => {
        const t = s.now();
        s.at(t + 2, cancelled);
        s.at(t + 2, bad);
        s.at(t + 3, { cancelled: false, run: () => (ran.push('ok'), resolve()) });
        cancelled.cancelled = true;
      });
    } finally {
      process.stderr.write = origWrite;
    }
    expect(ran).toEqual(['ok']);
    expect(failed).toBe(true);
    expect(writes.join('')).toContain('boom');
  });

  it('keeps absolute deadlines: a chain of 50 steps of 2 ms ends near 100 ms, not later by accumulated lateness', async () => {
    const s = new Scheduler();
    const start = s.now();
    let deadline = start;
    const end = await new Promise<number>((resolve) => {
      let steps = 0;
      const task: Task = {
        cancelled: false,
        run: () => {
          if (++steps === 50) return resolve(s.now());
          deadline += 2;
          s.at(deadline, task);
        },
      };
      s.at(deadline, task);
    });
    // 49 gaps of 2 ms = 98 ms. Generous upper bound for a loaded machine; drift would add ~1 ms per step.
    expect(end - start).toBeGreaterThan(97);
    expect(end - start).toBeLessThan(98 + 40);
  });

  it('stop() clears everything', () => {
    const s = new Scheduler();
    s.at(s.now() + 1000, { cancelled: false, run: () => {} });
    expect(s.pending).toBe(1);
    s.stop();
    expect(s.pending).toBe(0);
  });

  it('a wait beyond setTimeout range (700 h) neither overflows the timer nor fires early', async () => {
    const s = new Scheduler();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    let ran = false;
    try {
      s.at(s.now() + 700 * 3600_000, { cancelled: false, run: () => (ran = true) });
      await new Promise((r) => setTimeout(r, 60));
    } finally {
      process.off('warning', onWarning);
      s.stop();
    }
    expect(warnings).not.toContain('TimeoutOverflowWarning');
    expect(ran).toBe(false);
  });

  it('cancel() drops the task at once and disarms the timer when nothing else waits', () => {
    const s = new Scheduler();
    const task: Task = { cancelled: false, run: () => {} };
    s.at(s.now() + 3600_000, task);
    expect(s.pending).toBe(1);
    s.cancel(task);
    expect(task.cancelled).toBe(true);
    expect(s.pending).toBe(0);
    // No timer left behind: nothing keeps a waiting client's memory or wakes the process.
    expect((s as unknown as { timer: unknown }).timer).toBeNull();
    s.cancel(task); // idempotent
    expect(s.pending).toBe(0);
  });

  it('cancelling the earliest task re-arms for the next one, which still runs on time', async () => {
    const s = new Scheduler();
    const ran: string[] = [];
    const t0 = s.now();
    const early: Task = { cancelled: false, run: () => ran.push('early') };
    s.at(t0 + 5, early);
    await new Promise<void>((resolve) => {
      s.at(t0 + 15, { cancelled: false, run: () => (ran.push('late'), resolve()) });
      s.cancel(early);
    });
    expect(ran).toEqual(['late']);
    expect(s.pending).toBe(0);
  });

  it('many cancelled buckets do not pile up keys', () => {
    const s = new Scheduler();
    const t0 = s.now();
    for (let i = 0; i < 1000; i++) {
      const task: Task = { cancelled: false, run: () => {} };
      s.at(t0 + 10_000 + i, task);
      s.cancel(task);
    }
    expect(s.pending).toBe(0);
    expect((s as unknown as { keys: { size: number } }).keys.size).toBeLessThan(100);
    s.stop();
  });
});
