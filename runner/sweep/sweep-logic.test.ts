// The sweep's decisions against a simulated target (no processes): which steps run, how the SLO
// is derived, when VUs are raised, and what limited the capacity.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Result } from '../../reporter/index.ts';
import { judgeStep, runSweep, vusFor, type StepLoad, type SweepOptions, type SweepRig, type SweepSide } from './sweep.ts';

const SWEEP: SweepOptions = { sloP99Ms: null, sloErrorRate: 0.01, sloTtftP99Ms: null, startRps: 10, maxRps: 100_000, stepDurationS: 2, stepWarmupS: 1 };

/** A handleSummary-shaped summary for a step: latencies in ms, counts. */
function summary(load: StepLoad, p99Ms: number, failed: number, dropped: number) {
  const total = Math.round(load.rate * load.durationS);
  const trend = { avg: p99Ms / 2, min: 1, med: p99Ms / 2, max: p99Ms, 'p(50)': p99Ms / 2, 'p(90)': p99Ms, 'p(95)': p99Ms, 'p(99)': p99Ms, count: total - failed };
  return {
    root_group: { name: '', path: '', id: 'x', groups: [], checks: [] },
    options: { summaryTrendStats: Object.keys(trend), summaryTimeUnit: '', noColor: true },
    state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: load.durationS * 1000 },
    metrics: {
      http_reqs: { type: 'counter', contains: 'default', values: { count: total, rate: total / load.durationS } },
      http_req_failed: { type: 'rate', contains: 'default', values: { rate: total ? failed / total : 0, passes: failed, fails: total - failed } },
      http_req_duration: { type: 'trend', contains: 'time', values: trend },
      'http_req_duration{expected_response:true}': { type: 'trend', contains: 'time', values: trend },
      iterations: { type: 'counter', contains: 'default', values: { count: total, rate: total / load.durationS } },
      dropped_iterations: { type: 'counter', contains: 'default', values: { count: dropped, rate: dropped / load.durationS } },
    },
    llmux: {
      scenario: 'basic', name: 'step', target: 'http://127.0.0.1:1', endpoint: '/v1/chat/completions', model: 'gpt-4o', requests: 0,
      concurrency: load.vus, duration_s: load.durationS, rate: load.rate, max_vus: load.vus, warmup_s: 0, max_tokens: null,
      start_time: '2026-11-29T06:00:00.000Z', end_time: '2026-11-29T06:00:02.000Z',
    },
  };
}

/** Capacity `cap` rps at 50 ms; the queue beyond it adds latency; `vusNeeded` per rps. */
function simulated(cap: number, opts: { rigAt?: number; minVusPerRps?: number } = {}) {
  const runs: StepLoad[] = [];
  const rig: SweepRig = {
    io: { stdout: new PassThrough(), stderr: new PassThrough(), signal: new AbortController().signal },
    output: '',
    targetExited: () => false,
    runStep: async (_side: SweepSide, load: StepLoad) => {
      runs.push(load);
      const p99 = load.rate <= cap ? 51 : 51 + ((load.rate - cap) / cap) * 2000;
      const dropped = opts.minVusPerRps && load.vus < load.rate * opts.minVusPerRps ? 25 : 0;
      const rigReasons = opts.rigAt !== undefined && load.rate >= opts.rigAt ? ['the load generator CPU peaked at 100%, near a full core'] : [];
      const s = summary(load, p99, 0, dropped);
      const { resultFromSummary } = await import('../../reporter/index.ts');
      const { result } = resultFromSummary(s, { name: 'step', target: 'http://127.0.0.1:1' });
      return { draft: result, rigReasons, summary: s, meta: { name: 'step', target: 'http://127.0.0.1:1' } };
    },
  };
  return { rig, runs };
}

let out: string;
beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'sweep-logic-'));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

const side: SweepSide = { kind: 'target', name: 'proxy', url: 'http://127.0.0.1:1', pid: null, memorySource: 'mock' };
const readOnly = async () => JSON.parse(await readFile(join(out, (await readdir(out))[0]), 'utf8')) as Result;

describe('runSweep', () => {
  it('derives the SLO from the first step, doubles, bisects, and writes the best step with the curve', async () => {
    const { rig, runs } = simulated(400);
    const written = await runSweep({ ...rig, output: out }, [side], SWEEP);
    expect(written).toHaveLength(1);
    expect(runs.map((r) => r.rate)).toEqual([10, 20, 40, 80, 160, 320, 640, 480, 400, 440, 420]);
    const result = await readOnly();
    expect(result.capacity).toMatchObject({ max_rps_within_slo: 400, limited_by: 'target', step_duration_s: 2 });
    expect(result.capacity!.slo).toEqual({ p99_ms: 102, error_rate: 0.01, ttft_p99_ms: null, source: '2x the target p99 of 51.0 ms at 10 rps' });
    expect(result.load?.offered_rps).toBe(400);
    expect(result.capacity!.steps.find((s) => s.offered_rps === 640)).toMatchObject({ ok: false, failed_on: ['p99'] });
  });

  it('raises VUs when iterations are dropped while the SLO holds, instead of blaming the target', async () => {
    const { rig, runs } = simulated(1000, { minVusPerRps: 0.4 });
    await runSweep({ ...rig, output: out }, [side], { ...SWEEP, startRps: 400, maxRps: 400, sloP99Ms: 200 });
    // 400 rps with a 200 ms SLO gets 170 VUs; 160 are needed: enough. At 0.4 VUs/rps no drop.
    expect(runs.map((r) => [r.rate, r.vus])).toEqual([[400, 170]]);
    const { rig: short, runs: shortRuns } = simulated(1000, { minVusPerRps: 1 });
    await runSweep({ ...short, output: out }, [side], { ...SWEEP, startRps: 400, maxRps: 400, sloP99Ms: 200 });
    expect(shortRuns.map((r) => r.vus)).toEqual([170, 680]);
  });

  it('stops at a saturated rig and says the rig, not the target, set the ceiling', async () => {
    const { rig, runs } = simulated(5000, { rigAt: 300 });
    await runSweep({ ...rig, output: out }, [side], { ...SWEEP, sloP99Ms: 100 });
    expect(runs.map((r) => r.rate)).toEqual([10, 20, 40, 80, 160, 320]);
    const result = await readOnly();
    expect(result.capacity).toMatchObject({ max_rps_within_slo: 160, limited_by: 'rig' });
    expect(result.capacity!.slo.source).toBe('--slo-p99');
    // The headline step (160 rps) was fine; the result still says why the sweep ended there.
    expect(result.warnings).toContain('rig: at 320 rps the rig set the ceiling: the load generator CPU peaked at 100%, near a full core');
  });

  it('says max-rate when every step passed up to --max-rate', async () => {
    const { rig } = simulated(1e9);
    await runSweep({ ...rig, output: out }, [side], { ...SWEEP, maxRps: 100, sloP99Ms: 100 });
    expect((await readOnly()).capacity).toMatchObject({ max_rps_within_slo: 100, limited_by: 'max-rate' });
  });
});

describe('judgeStep and vusFor', () => {
  const draft = (over: Partial<Result>): Result => ({
    name: 'x', target: 't', start_time: null, end_time: null, duration: null, requests: 0, concurrency: 1, total_requests: 100,
    success_requests: 100, failed_requests: 0, rps: 10, latency_min: 1e6, latency_max: 9e7, latency_mean: 5e7, latency_p50: 5e7,
    latency_p95: 8e7, latency_p99: 9e7, error_rate: 0, load: { model: 'open', offered_rps: 10, achieved_rps: 10, dropped_iterations: 0, warmup_seconds: 1 },
    ...over,
  }) as Result;
  const slo = { p99_ms: 100, error_rate: 0.01, ttft_p99_ms: null, source: 'x' };

  it('passes within the SLO and names every reason a step failed', () => {
    expect(judgeStep(10, draft({}), [], 10, slo)).toMatchObject({ ok: true, failed_on: [], p50_ms: 50, p99_ms: 90, error_rate: 0, dropped: 0 });
    const bad = judgeStep(10, draft({ latency_p99: 2e8, error_rate: 0.05, load: { model: 'open', offered_rps: 10, achieved_rps: 8, dropped_iterations: 3, warmup_seconds: 1 } }), ['cpu'], 10, slo);
    expect(bad.failed_on).toEqual(['p99', 'errors', 'dropped', 'rig']);
    // Nothing succeeded: no latency to judge, never a pass.
    expect(judgeStep(10, draft({ latency_p99: null, latency_p50: null, success_requests: 0, failed_requests: 100, error_rate: 1 }), [], 10, slo).failed_on).toEqual(['no-data', 'errors']);
  });

  it('gives each step VUs for twice the SLO at its rate', () => {
    expect(vusFor(400, 100)).toBe(90);
    expect(vusFor(10, null)).toBe(30);
    expect(vusFor(1e6, 1000)).toBe(20_000);
  });
});
