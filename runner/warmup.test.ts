import { describe, expect, it } from 'vitest';
import { SteadyDetector } from './warmup.ts';

/** Feeds cumulative counts every 500 ms from per-second rates. */
function feed(rates: number[]): { steadyAtMs: number | null; windows: number[] } {
  const d = new SteadyDetector();
  let total = 0;
  for (let i = 0; i < rates.length * 2; i++) {
    total += rates[Math.floor(i / 2)] / 2;
    if (d.add((i + 1) * 500, total)) return { steadyAtMs: (i + 1) * 500, windows: d.windows };
  }
  return { steadyAtMs: null, windows: d.windows };
}

describe('SteadyDetector', () => {
  it('is steady once two consecutive 1 s windows are within 5%, not before 2 s', () => {
    expect(feed([700, 700, 700])).toMatchObject({ steadyAtMs: 2000, windows: [700, 700] });
    // A JIT slow start: 56, 300, 650, then steady around 700.
    expect(feed([56, 300, 650, 690, 700, 705]).steadyAtMs).toBe(5000);
    expect(feed([100, 104.9]).steadyAtMs).toBe(2000); // within 5%
    expect(feed([100, 106, 113, 120]).steadyAtMs).toBeNull(); // still climbing 6% a second
  });

  it('never calls an idle load steady', () => {
    expect(feed([0, 0, 0, 0]).steadyAtMs).toBeNull();
  });

  it('interpolates window boundaries between readings at any interval', () => {
    const d = new SteadyDetector();
    d.add(700, 70);
    d.add(1400, 140); // 100/s: the boundary at 1000 ms holds 100
    d.add(2600, 260);
    expect(d.windows).toEqual([100, 100]);
    expect(d.add(2600, 260)).toBe(true); // a repeated reading changes nothing
  });
});
