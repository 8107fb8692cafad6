import { describe, expect, it } from 'vitest';
import { tokenTimings } from './token-timing.ts';

describe('tokenTimings', () => {
  it('TTFT at the first delta, one ITL per gap, TPOT over output tokens, tokens/s end to end', () => {
    const t = tokenTimings(100, [150, 160, 175, 185], 200, 4);
    expect(t.ttftMs).toBe(50);
    expect(t.itlMs).toEqual([10, 15, 10]);
    expect(t.tpotMs).toBeCloseTo(35 / 3, 12);
    expect(t.durationMs).toBe(100);
    expect(t.tokensPerSecond).toBe(40);
  });

  it('TPOT uses the usage token count when a delta carries several tokens', () => {
    expect(tokenTimings(0, [50, 70], 80, 5).tpotMs).toBe(5);
  });

  it('no delta: nothing measured (null), never 0', () => {
    expect(tokenTimings(0, [], 10, 0)).toEqual({ ttftMs: null, itlMs: [], tpotMs: null, durationMs: 10, tokensPerSecond: null });
    expect(tokenTimings(0, [5], 10, 1)).toMatchObject({ ttftMs: 5, itlMs: [], tpotMs: null });
  });
});
