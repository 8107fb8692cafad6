import { describe, expect, it } from 'vitest';
import { resolveOptions } from './options.ts';
import { nextGapMs, planRequest, sampleDelay } from './plan.ts';
import { Rng } from './random.ts';

describe('planRequest', () => {
  it('replays exactly for the same seed and sequence number', () => {
    const opts = resolveOptions({ seed: 3, jitter: 'lognormal', jitterCv: 0.5, errorRate: 0.2, abortRate: 0.2, stallRate: 0.2 });
    const draw = () =>
      Array.from({ length: 200 }, (_, seq) => {
        const p = planRequest(opts, { seq, promptTokens: 10 });
        return [p.firstTokenDelayMs, p.errorStatus, p.abortAfter, p.stallAt, p.contentSeed, p.id, nextGapMs(p, opts, 1), nextGapMs(p, opts, 1)];
      });
    expect(draw()).toEqual(draw());
    const other = Array.from({ length: 200 }, (_, seq) => planRequest({ ...opts, seed: 4 }, { seq, promptTokens: 10 }).id);
    expect(other).not.toEqual(draw().map((row) => row[5]));
  });

  it('injects faults at the configured rates (10 000 plans, binomial 4 sigma)', () => {
    const n = 10_000;
    const opts = resolveOptions({ seed: 11, errorRate: 0.1, abortRate: 0.05, stallRate: 0.02, errorStatus: 503 });
    let errors = 0;
    let aborts = 0;
    let stalls = 0;
    for (let seq = 0; seq < n; seq++) {
      const p = planRequest(opts, { seq, promptTokens: 1 });
      if (p.errorStatus === 503) errors++;
      if (p.abortAfter !== null) {
        aborts++;
        // Mid-stream: at least one token out, at least one missing.
        expect(p.abortAfter).toBeGreaterThanOrEqual(1);
        expect(p.abortAfter).toBeLessThan(p.outputTokens);
      }
      if (p.stallAt !== null) stalls++;
    }
    const within = (count: number, rate: number) => Math.abs(count - n * rate) < 4 * Math.sqrt(n * rate * (1 - rate));
    expect(within(errors, 0.1)).toBe(true);
    expect(within(aborts, 0.05)).toBe(true);
    expect(within(stalls, 0.02)).toBe(true);
  });

  it('caps tokens at max_tokens with finish reason length, and adds prefill per prompt token', () => {
    const opts = resolveOptions({ tokens: 20, latencyMs: 50, prefillPerTokenMs: 0.5 });
    expect(planRequest(opts, { seq: 0, promptTokens: 100, maxTokens: 5 })).toMatchObject({ outputTokens: 5, finishReason: 'length', firstTokenDelayMs: 100 });
    expect(planRequest(opts, { seq: 0, promptTokens: 0, maxTokens: 20 })).toMatchObject({ outputTokens: 20, finishReason: 'stop' });
  });

  it('lets override headers replace the server settings', () => {
    const opts = resolveOptions({ tokens: 20, latencyMs: 50, itlMs: 10 });
    const p = planRequest(opts, { seq: 0, promptTokens: 0, overrides: { latencyMs: 5, itlMs: 2, tokens: 3, errorStatus: 418, abortAfter: 2, stallMs: 100 } });
    expect(p).toMatchObject({ firstTokenDelayMs: 5, itlMs: 2, outputTokens: 3, errorStatus: 418, abortAfter: 2, stallAt: 1, stallMs: 100 });
  });
});

describe('sampleDelay', () => {
  it('keeps the mean and clamps to [0, base * (1 + 5 cv)]', () => {
    for (const kind of ['normal', 'lognormal'] as const) {
      const rng = new Rng(5);
      const values = Array.from({ length: 20_000 }, () => sampleDelay(10, kind, 0.3, rng));
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      expect(mean).toBeGreaterThan(9.8);
      expect(mean).toBeLessThan(10.2);
      expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...values)).toBeLessThanOrEqual(25);
    }
    const rng = new Rng(1);
    expect(sampleDelay(10, 'normal', 3, rng)).toBeGreaterThanOrEqual(0);
    expect(sampleDelay(10, 'none', 0.5, rng)).toBe(10);
  });
});

describe('Rng.id', () => {
  it('spells the usual 24-character id as any other length does, draw for draw', () => {
    for (const seed of [1, 7, 0xdeadbeef]) {
      const usual = new Rng(seed).id(24);
      expect(usual).toMatch(/^[A-Za-z0-9]{24}$/);
      expect(usual).toBe(new Rng(seed).id(25).slice(0, 24));
      expect(new Rng(seed).id(8)).toBe(usual.slice(0, 8));
    }
  });
});
