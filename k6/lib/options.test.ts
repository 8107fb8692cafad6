import { describe, expect, it } from 'vitest';
import { parseConfig, type Env, type ScenarioName } from './config.ts';
import {
  arrivalRate,
  buildOptions,
  effectiveConcurrency,
  SUMMARY_TREND_STATS,
  withFilter,
} from './options.ts';
import { plateauPlan, plateauTag } from '../../contract/plateaus.ts';

const options = (env: Env, scenario: ScenarioName = 'basic') => buildOptions(parseConfig(env, scenario));

describe('executors', () => {
  it('DURATION=0 → shared-iterations over REQUESTS with CONCURRENCY VUs', () => {
    expect(options({ REQUESTS: '500', CONCURRENCY: '20' }).scenarios).toEqual({
      basic: {
        executor: 'shared-iterations',
        vus: 20,
        iterations: 500,
        maxDuration: '24h',
        tags: { phase: 'measure' },
      },
    });
  });

  it('never asks for more VUs than iterations (k6 refuses that)', () => {
    const config = parseConfig({ REQUESTS: '5', CONCURRENCY: '100' }, 'basic');
    expect(buildOptions(config).scenarios.basic).toMatchObject({ vus: 5, iterations: 5 });
    expect(effectiveConcurrency(config)).toBe(5);
  });

  it('DURATION>0 → constant-vus', () => {
    expect(options({ DURATION: '30', CONCURRENCY: '8' }, 'streaming').scenarios).toEqual({
      streaming: { executor: 'constant-vus', vus: 8, duration: '30000ms', tags: { phase: 'measure' } },
    });
  });

  it('RATE → constant-arrival-rate, for DURATION or REQUESTS/RATE seconds', () => {
    expect(options({ RATE: '50', REQUESTS: '1000', CONCURRENCY: '10', MAX_VUS: '40' }).scenarios.basic).toEqual({
      executor: 'constant-arrival-rate',
      rate: 50,
      timeUnit: '1s',
      duration: '20000ms',
      preAllocatedVUs: 10,
      maxVUs: 40,
      tags: { phase: 'measure' },
    });
    expect(options({ RATE: '2.5', DURATION: '1m' }).scenarios.basic).toMatchObject({
      rate: 25,
      timeUnit: '10s',
      duration: '60000ms',
      preAllocatedVUs: 100,
      maxVUs: 100,
    });
    // MAX_VUS below CONCURRENCY caps the pre-allocation too.
    expect(options({ RATE: '1', MAX_VUS: '3' }).scenarios.basic).toMatchObject({ preAllocatedVUs: 3, maxVUs: 3 });
  });

  it('arrivalRate keeps fractional rates exact', () => {
    expect(arrivalRate(3)).toEqual({ rate: 3, timeUnit: '1s' });
    expect(arrivalRate(0.5)).toEqual({ rate: 5, timeUnit: '10s' });
    expect(arrivalRate(0.25)).toEqual({ rate: 25, timeUnit: '100s' });
    expect(arrivalRate(1.125)).toEqual({ rate: 1125, timeUnit: '1000s' });
  });
});

describe('warm-up', () => {
  it('runs a warmup scenario first and starts the measured one after it', () => {
    const opts = options({ WARMUP: '5s', REQUESTS: '100', CONCURRENCY: '4' });
    expect(opts.scenarios.warmup).toEqual({
      executor: 'constant-vus',
      vus: 4,
      duration: '5000ms',
      gracefulStop: '0s',
      tags: { phase: 'warmup' },
    });
    expect(opts.scenarios.basic).toMatchObject({ executor: 'shared-iterations', startTime: '5000ms', tags: { phase: 'measure' } });
  });

  it('warms an open model up at the same rate', () => {
    const opts = options({ WARMUP: '2', RATE: '10', DURATION: '10' });
    expect(opts.scenarios.warmup).toMatchObject({ executor: 'constant-arrival-rate', rate: 10, duration: '2000ms', gracefulStop: '0s' });
    expect(opts.scenarios.basic).toMatchObject({ startTime: '2000ms', duration: '10000ms' });
  });

  it('open model with a warm-up shows dropped_iterations{phase:measure}, so warm-up drops can be left out', () => {
    const open = options({ WARMUP: '2', RATE: '10', DURATION: '10' });
    expect(open.thresholds['dropped_iterations{phase:measure}']).toEqual(['count>=0']);
    // Closed models drop nothing; no warm-up means nothing to separate.
    expect(options({ WARMUP: '2', DURATION: '10' }).thresholds).not.toHaveProperty('dropped_iterations{phase:measure}');
    expect(Object.keys(options({ RATE: '10', DURATION: '10' }).thresholds).some((k) => k.startsWith('dropped_iterations'))).toBe(false);
  });

  it('filters pass/fail thresholds and shows headline submetrics {phase:measure}', () => {
    const opts = options({ WARMUP: '1', THRESHOLD_P95_MS: '300', THRESHOLD_TTFT_P95_MS: '90' }, 'streaming');
    expect(opts.thresholds['http_req_failed{phase:measure}']).toEqual(['rate<0.01']);
    expect(opts.thresholds['checks{phase:measure}']).toEqual(['rate>0.99']);
    expect(opts.thresholds['http_req_duration{phase:measure}']).toEqual(['p(95)<300']);
    expect(opts.thresholds['ttft{phase:measure}']).toEqual(['p(95)<90']);
    expect(opts.thresholds['http_req_duration{expected_response:true,phase:measure}']).toEqual(['max>=0']);
    expect(opts.thresholds['http_reqs{phase:measure}']).toEqual(['count>=0']);
    expect(opts.thresholds['stream_ok{phase:measure}']).toEqual(['rate>=0']);
    expect(opts.thresholds['llm_errors_http_429{phase:measure}']).toEqual(['count>=0']);
    expect(opts.thresholds['itl{phase:measure}']).toEqual(['max>=0']);
    expect(opts.thresholds['http_req_duration{expected_response:false,phase:measure}']).toEqual(['max>=0']);
    expect(opts.thresholds).not.toHaveProperty('http_req_duration{expected_response:false}');
    expect(opts.thresholds).not.toHaveProperty('http_req_failed');
  });
});

describe('thresholds', () => {
  it('defaults to error rate and checks', () => {
    expect(options({}).thresholds).toEqual({
      http_req_failed: ['rate<0.01'],
      checks: ['rate>0.99'],
      // Always true: only makes k6 print the failed requests' latency for the reporter.
      'http_req_duration{expected_response:false}': ['max>=0'],
    });
  });

  it('are overridable and can be switched off', () => {
    expect(options({ THRESHOLD_ERROR_RATE: '0.05', THRESHOLD_CHECKS_RATE: 'off', THRESHOLD_P95_MS: '200' }).thresholds).toEqual({
      http_req_failed: ['rate<0.05'],
      http_req_duration: ['p(95)<200'],
      'http_req_duration{expected_response:false}': ['max>=0'],
    });
    // No criterion left: only the always-true one that shows a submetric.
    expect(options({ THRESHOLDS: 'off' }).thresholds).toEqual({ 'http_req_duration{expected_response:false}': ['max>=0'] });
    expect(options({ THRESHOLD_TTFT_P95_MS: '100' }, 'streaming').thresholds.ttft).toEqual(['p(95)<100']);
    expect(options({ THRESHOLD_TTFT_P95_MS: '100' }, 'basic').thresholds).not.toHaveProperty('ttft');
  });

  it('withFilter merges tag filters into one selector', () => {
    expect(withFilter('checks', '')).toBe('checks');
    expect(withFilter('checks', '{phase:measure}')).toBe('checks{phase:measure}');
    expect(withFilter('a{b:c}', '{phase:measure}')).toBe('a{b:c,phase:measure}');
  });
});

describe('concurrency plateaus', () => {
  it('default: 10/25/50/100% of 1000 VUs, 5 s ramp + 15 s hold each', () => {
    const plan = plateauPlan(1000, 0);
    expect(plan.map((p) => p.vus)).toEqual([100, 250, 500, 1000]);
    expect(plan[0]).toEqual({ vus: 100, rampStartMs: 0, holdStartMs: 5000, endMs: 20_000 });
    expect(plan[3].endMs).toBe(80_000);
    const opts = options({}, 'concurrency');
    expect(opts.scenarios.concurrency).toEqual({
      executor: 'ramping-vus',
      startVUs: 0,
      gracefulRampDown: '30s',
      tags: { phase: 'measure' },
      stages: [
        { duration: '5000ms', target: 100 },
        { duration: '15000ms', target: 100 },
        { duration: '5000ms', target: 250 },
        { duration: '15000ms', target: 250 },
        { duration: '5000ms', target: 500 },
        { duration: '15000ms', target: 500 },
        { duration: '5000ms', target: 1000 },
        { duration: '15000ms', target: 1000 },
      ],
    });
    expect(opts.thresholds['http_req_duration{plateau:250}']).toEqual(['max>=0']);
    expect(opts.thresholds['http_req_failed{plateau:1000}']).toEqual(['rate>=0']);
    expect(opts.thresholds['http_reqs{plateau:100}']).toEqual(['count>=0']);
    expect(opts.thresholds['llm_errors{plateau:500}']).toEqual(['count>=0']);
    expect(Object.keys(opts.thresholds)).toHaveLength(17);
  });

  it('DURATION is shared by the plateaus, a quarter of each (at most 5 s) ramping', () => {
    const plan = plateauPlan(40, 8000);
    expect(plan).toEqual([
      { vus: 4, rampStartMs: 0, holdStartMs: 500, endMs: 2000 },
      { vus: 10, rampStartMs: 2000, holdStartMs: 2500, endMs: 4000 },
      { vus: 20, rampStartMs: 4000, holdStartMs: 4500, endMs: 6000 },
      { vus: 40, rampStartMs: 6000, holdStartMs: 6500, endMs: 8000 },
    ]);
    expect(plateauPlan(1000, 600_000)[0]).toEqual({ vus: 100, rampStartMs: 0, holdStartMs: 5000, endMs: 150_000 });
  });

  it('merges plateaus that round to the same VU count', () => {
    expect(plateauPlan(2, 0).map((p) => p.vus)).toEqual([1, 2]);
    expect(plateauPlan(1, 0).map((p) => p.vus)).toEqual([1]);
  });

  it('tags requests by the plateau they start in, ramps apart', () => {
    const plan = plateauPlan(40, 8000);
    expect(plateauTag(plan, 0)).toBe('ramp');
    expect(plateauTag(plan, 499)).toBe('ramp');
    expect(plateauTag(plan, 500)).toBe('4');
    expect(plateauTag(plan, 1999)).toBe('4');
    expect(plateauTag(plan, 2000)).toBe('ramp');
    expect(plateauTag(plan, 7999)).toBe('40');
    expect(plateauTag(plan, 9000)).toBe('40');
  });

  it('warm-up holds the first plateau', () => {
    const opts = options({ WARMUP: '3', CONCURRENCY: '200' }, 'concurrency');
    expect(opts.scenarios.warmup).toMatchObject({ executor: 'constant-vus', vus: 20, duration: '3000ms' });
    expect(opts.scenarios.concurrency).toMatchObject({ startTime: '3000ms' });
  });
});

describe('other options', () => {
  it('summaryTrendStats as agreed', () => {
    expect(options({}).summaryTrendStats).toEqual(['avg', 'min', 'med', 'max', 'p(50)', 'p(90)', 'p(95)', 'p(99)', 'count']);
    expect(SUMMARY_TREND_STATS).toContain('p(99)');
  });

  it('cloud options from CLOUD_*', () => {
    expect(options({ NAME: 'gw' }, 'streaming').cloud).toEqual({ name: 'gw streaming' });
    expect(options({ CLOUD_PROJECT_ID: '42', CLOUD_DISTRIBUTION: 'amazon:de:frankfurt=100' }).cloud).toEqual({
      name: 'benchmark basic',
      projectID: 42,
      distribution: { frankfurt: { loadZone: 'amazon:de:frankfurt', percent: 100 } },
    });
  });
});
