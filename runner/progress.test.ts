// Progress across a warm-up: the bar's total is known with default flags, and only the requests
// after the warm-up count towards it.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress, phaseTracker, progressTarget, type ProgressTarget } from './progress.ts';

const defaults = { scenario: 'basic', requests: null, durationS: 0, warmupS: 5 };

describe('progressTarget', () => {
  it('knows the measured total with the default flags (a 5 s warm-up, 10000 requests)', () => {
    expect(progressTarget('target', defaults)).toEqual({ label: 'target', totalRequests: 10_000, totalSeconds: null, warmupSeconds: 5 });
    expect(progressTarget('target', { ...defaults, requests: 400, warmupS: 0 }).totalRequests).toBe(400);
  });

  it('runs bounded by time get a total in seconds of the measured phase', () => {
    expect(progressTarget('t', { ...defaults, durationS: 30 })).toMatchObject({ totalRequests: null, totalSeconds: 30, warmupSeconds: 5 });
    expect(progressTarget('t', { ...defaults, scenario: 'concurrency' })).toMatchObject({ totalRequests: null, totalSeconds: null });
  });
});

describe('phaseTracker', () => {
  const target: ProgressTarget = { label: 't', totalRequests: 100, totalSeconds: null, warmupSeconds: 1 };

  it('fills over the warm-up by time, then counts only measured requests towards the total', () => {
    const at = phaseTracker(target);
    expect(at({ elapsedMs: 500, requests: 50, failed: 0 })).toEqual({ phase: 'warm-up', requests: 50, failed: 0, value: 0.5, total: 1 });
    expect(at({ elapsedMs: 800, requests: 80, failed: 0 })).toMatchObject({ phase: 'warm-up', value: 0.8 });
    // The warm-up ended at 1000 ms: 80 + 60 × 200/500 = 104 requests by then.
    expect(at({ elapsedMs: 1300, requests: 140, failed: 0 })).toEqual({ phase: 'measure', requests: 36, failed: 0, value: 36, total: 100 });
    // An estimate past the total (the warm-up's end is known by time only) stops at the total.
    expect(at({ elapsedMs: 9000, requests: 260, failed: 0 })).toEqual({ phase: 'measure', requests: 100, failed: 0, value: 100, total: 100 });
  });

  it('without a warm-up every request counts from the start', () => {
    const at = phaseTracker({ ...target, warmupSeconds: 0 });
    expect(at({ elapsedMs: 500, requests: 40, failed: 0 })).toEqual({ phase: 'measure', requests: 40, failed: 0, value: 40, total: 100 });
  });

  it('counts failures of the measured phase only, as the result does', () => {
    const at = phaseTracker(target);
    expect(at({ elapsedMs: 500, requests: 50, failed: 5 })).toMatchObject({ phase: 'warm-up', failed: 5 });
    // 10 failures by 1000 ms (5 + 10 × 500/1000): only later ones are the measured phase's.
    expect(at({ elapsedMs: 1500, requests: 150, failed: 15 })).toMatchObject({ phase: 'measure', failed: 5 });
    expect(at({ elapsedMs: 2000, requests: 200, failed: 22 })).toMatchObject({ phase: 'measure', failed: 12 });
    expect(phaseTracker(target)({ elapsedMs: 1500, requests: 1, failed: null })).toMatchObject({ failed: null });
  });

  it('a duration run counts seconds after the warm-up', () => {
    const at = phaseTracker({ label: 't', totalRequests: null, totalSeconds: 10, warmupSeconds: 2 });
    expect(at({ elapsedMs: 7000, requests: 700, failed: 0 })).toMatchObject({ phase: 'measure', value: 5, total: 10 });
  });
});

function capture(isTTY: boolean): { stream: Writable & { isTTY?: boolean; columns?: number }; text: () => string } {
  let text = '';
  const stream = Object.assign(
    new Writable({
      write(chunk, _enc, done) {
        text += String(chunk);
        done();
      },
    }),
    { isTTY, columns: 200 },
  );
  return { stream, text: () => text };
}

describe('createProgress', () => {
  const target: ProgressTarget = { label: 'target', totalRequests: 100, totalSeconds: null, warmupSeconds: 1 };

  it('prints lines that say warm-up, then measured requests out of the total', () => {
    const { stream, text } = capture(false);
    const view = createProgress('lines', target, stream, 0);
    view.update({ elapsedMs: 500, requests: 50, failed: 0 });
    view.update({ elapsedMs: 1000, requests: 100, failed: 2 });
    view.update({ elapsedMs: 1500, requests: 150, failed: 3 });
    view.stop();
    expect(text().split('\n').filter(Boolean)).toEqual([
      'target: 0.5 s, warm-up, 50 requests, 100 rps, 0 errors',
      'target: 1.0 s, 0/100 requests, 100 rps, 0 errors',
      'target: 1.5 s, 50/100 requests, 100 rps, 1 errors',
    ]);
  });

  it('draws a bar on a terminal with the default flags, ending at the measured total', () => {
    const { stream, text } = capture(true);
    const view = createProgress('bar', progressTarget('target', { ...defaults, requests: 100, warmupS: 1 }), stream);
    view.update({ elapsedMs: 500, requests: 50, failed: 0 });
    view.update({ elapsedMs: 1000, requests: 100, failed: 0 });
    view.update({ elapsedMs: 3000, requests: 200, failed: 0 });
    view.stop();
    expect(text()).toMatch(/target +measure \[[█]{30}\] 100% \| 100 req/);
  });
});
