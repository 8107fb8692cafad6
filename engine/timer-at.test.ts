import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { timerAt } from './timer-at.ts';

describe('timerAt', () => {
  it('never calls back before performance.now() reaches the instant (a bare setTimeout fires early on most of these)', async () => {
    const late: number[] = [];
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const at = performance.now() + 5 + ((i * 7919) % 3000) / 100;
        return new Promise<void>((done) =>
          timerAt(at, () => {
            late.push(performance.now() - at);
            done();
          }),
        );
      }),
    );
    expect(late).toHaveLength(200);
    expect(late.filter((ms) => ms < 0)).toEqual([]);
  });

  it('calls back on the next turn for an instant already past (never synchronously), and not at all once cancelled', async () => {
    let calls = 0;
    timerAt(performance.now() - 1, () => calls++);
    timerAt(Number.NaN, () => calls++);
    expect(calls).toBe(0);
    await new Promise((r) => setTimeout(r, 5));
    expect(calls).toBe(2);
    const t = timerAt(performance.now() + 5, () => calls++);
    t.cancel();
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toBe(2);
  });

  it('waits past the 24.8 days setTimeout can hold instead of firing after 1 ms', async () => {
    let calls = 0;
    const t = timerAt(performance.now() + 30 * 86_400_000, () => calls++);
    const forever = timerAt(Number.POSITIVE_INFINITY, () => calls++);
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toBe(0);
    t.cancel();
    forever.cancel();
  });
});
