import { describe, expect, it } from 'vitest';
import { RatePlan, roundRate } from './rate-plan.ts';

/** Drives a plan against a target that passes every rate up to `capacity`. */
function sweep(plan: RatePlan, capacity: number): number[] {
  const tried: number[] = [];
  for (let rate = plan.next(); rate !== null; rate = plan.next()) {
    tried.push(rate);
    plan.record(rate, rate <= capacity);
    if (tried.length > 50) throw new Error('no end');
  }
  return tried;
}

describe('RatePlan', () => {
  it('doubles until a failure, then bisects to within 5%', () => {
    const plan = new RatePlan({ startRps: 10, maxRps: 100_000 });
    const tried = sweep(plan, 400);
    expect(tried.slice(0, 7)).toEqual([10, 20, 40, 80, 160, 320, 640]);
    expect(tried.slice(7)).toEqual([480, 400, 440, 420]);
    expect(plan.end).toBe('converged');
    expect(plan.lo).toBe(400);
    expect(plan.hi).toBe(420);
    expect((plan.hi! - plan.lo!) / plan.lo!).toBeLessThanOrEqual(0.05);
  });

  it('ends at --max-rate when every step passes, never above it', () => {
    const plan = new RatePlan({ startRps: 100, maxRps: 500 });
    expect(sweep(plan, 1e9)).toEqual([100, 200, 400, 500]);
    expect(plan.end).toBe('max-rate');
    expect(plan.lo).toBe(500);
  });

  it('halves when the start rate fails, and gives up below the minimum', () => {
    const plan = new RatePlan({ startRps: 100, maxRps: 1000, minRps: 1 });
    const tried = sweep(plan, 30);
    expect(tried.slice(0, 3)).toEqual([100, 50, 25]);
    expect(plan.lo).toBeGreaterThanOrEqual(25);
    expect(plan.lo).toBeLessThanOrEqual(30);
    const none = new RatePlan({ startRps: 10, maxRps: 1000, minRps: 1 });
    expect(sweep(none, 0)).toEqual([10, 5, 2.5, 1.3]);
    expect(none.end).toBe('none-passed');
    expect(none.lo).toBeNull();
  });

  it('rounds rates to what k6 takes: integers from 20 rps, one decimal below', () => {
    expect(roundRate(412.6)).toBe(413);
    expect(roundRate(12.34)).toBe(12.3);
    expect(() => new RatePlan({ startRps: 0, maxRps: 10 })).toThrow();
    expect(() => new RatePlan({ startRps: 20, maxRps: 10 })).toThrow();
  });
});
