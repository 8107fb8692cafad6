import { describe, expect, it } from 'vitest';
import type { Result } from '../reporter/index.ts';
import { coefficientOfVariation } from './bench.ts';
import { endAtStop, maxRunSeconds, partialReason } from './bounds.ts';
import { placementOf, saturationAdvice } from './placement.ts';

describe('bounded runs', () => {
  it('bounds count-based runs only, warm-up inside the run included', () => {
    expect(maxRunSeconds({ durationS: 0, scenario: 'basic', maxDurationS: 600, warmupS: 2 })).toBe(602);
    expect(maxRunSeconds({ durationS: 30, scenario: 'basic', maxDurationS: 600, warmupS: 0 })).toBeNull();
    expect(maxRunSeconds({ durationS: 0, scenario: 'concurrency', maxDurationS: 600, warmupS: 0 })).toBeNull();
    expect(maxRunSeconds({ durationS: 0, scenario: 'basic', maxDurationS: 0, warmupS: 0 })).toBeNull();
  });

  it('says why a run is partial', () => {
    expect(partialReason('max-duration', { total_requests: 512, requests: 10000 }, 600)).toBe('--max-duration 600 s reached after 512 of 10000 requests');
    expect(partialReason('target exited', { total_requests: 1, requests: 5 }, 600)).toMatch(/--target-cmd\) exited/);
  });

  it('ends a stopped run at its stop: duration, end_time and rps leave out the drain', () => {
    const result = {
      start_time: '2026-11-29T06:00:00.000Z', end_time: '2026-11-29T06:00:13.000Z', duration: 13e9,
      success_requests: 1000, rps: 1000 / 13, load: { achieved_rps: 1000 / 13 },
    } as unknown as Result;
    endAtStop(result, Date.parse('2026-11-29T06:00:10.000Z'));
    expect(result).toMatchObject({ duration: 10e9, end_time: '2026-11-29T06:00:10.000Z', rps: 100, load: { achieved_rps: 100 } });
    endAtStop(result, Date.parse('2026-11-29T06:00:12.000Z')); // never longer than measured
    expect(result.duration).toBe(10e9);
  });

  it('leaves the rps spread unmeasured when a run has no rps, never counting it as 0', () => {
    expect(coefficientOfVariation([100, null, 120])).toBeNull();
    expect(coefficientOfVariation([100, 100])).toBe(0);
  });
});

describe('placement', () => {
  it('records where each part ran, and says what to change on saturation', () => {
    const pin = { target: '0', mock: '1', loadgen: '1' };
    expect(placementOf(pin, { cpus: '0', remote: false })).toEqual({ pinned: true, loadgen_cpus: '1', target_cpus: '0', mock_cpus: '1' });
    expect(placementOf(pin, { cpus: null, remote: false })).toMatchObject({ pinned: false, target_cpus: null });
    expect(placementOf(null, { cpus: null, remote: false })).toEqual({ pinned: false, loadgen_cpus: null, target_cpus: null, mock_cpus: null });
    expect(saturationAdvice({ rig: { placement: placementOf(null, { cpus: null, remote: false }) } as never })).toMatch(/drop --no-pin/);
    expect(saturationAdvice({ rig: { placement: placementOf(pin, { cpus: '0', remote: false }) } as never, environment: { cores: 2 }, engine: { name: 'embedded', version: null } })).toBe(
      'to change: the mock and the load generator share CPU 1 on this 2-core machine: use a machine with more cores, or lower --concurrency or --rate, or use k6 (--engine k6), which spreads over its cores',
    );
  });
});
