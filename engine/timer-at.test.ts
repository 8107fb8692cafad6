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

  it('calls back at once for an instant already past, and not at all once cancelled', async () => {
    let calls = 0;
    timerAt(performance.now() - 1, () => calls++);
    expect(calls).toBe(1);
    const t = timerAt(performance.now() + 5, () => calls++);
    t.cancel();
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toBe(1);
  });
});
