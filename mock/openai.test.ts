import { afterEach, describe, expect, it, vi } from 'vitest';
import { nowSeconds } from './openai.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('nowSeconds', () => {
  it('reads the clock once a second and follows it across the next second', () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1, 0, 0, 0, 400) });
    const start = Date.UTC(2026, 0, 1) / 1000;
    expect(nowSeconds()).toBe(start);
    vi.advanceTimersByTime(599);
    expect(nowSeconds()).toBe(start);
    vi.advanceTimersByTime(1);
    expect(nowSeconds()).toBe(start + 1);
    vi.advanceTimersByTime(2500);
    expect(nowSeconds()).toBe(start + 3);
  });
});
