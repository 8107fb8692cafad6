import { describe, expect, it } from 'vitest';
import { rampingArrivalTime, rampingVusTarget } from './executors.ts';
import { mockFixture, probeArgs, readProbe, runEngine } from './test-helpers.ts';

const fx = mockFixture();
const out = () => fx.out();

describe('schedules (pure)', () => {
  it('ramping-vus changes the VU count one step at a time, evenly over each stage', () => {
    const stages = [
      { durationMs: 1000, target: 4 },
      { durationMs: 1000, target: 0 },
    ];
    expect(rampingVusTarget(0, stages, 0)).toBe(0);
    expect(rampingVusTarget(0, stages, 250)).toBe(1);
    expect(rampingVusTarget(0, stages, 999)).toBe(3);
    expect(rampingVusTarget(0, stages, 1000)).toBe(4);
    expect(rampingVusTarget(0, stages, 1500)).toBe(2);
    expect(rampingVusTarget(0, stages, 5000)).toBe(0);
  });

  it('ramping-arrival-rate starts iteration k when k+1 iterations have accrued', () => {
    // Constant 10/s for 1 s: iterations at 100, 200, ... 1000 ms.
    expect(rampingArrivalTime(10, 1000, [{ durationMs: 1000, target: 10 }], 0)).toBeCloseTo(100);
    expect(rampingArrivalTime(10, 1000, [{ durationMs: 1000, target: 10 }], 9)).toBeCloseTo(1000);
    expect(rampingArrivalTime(10, 1000, [{ durationMs: 1000, target: 10 }], 10)).toBe(Infinity);
    // 0 → 20/s over 1 s accrues 10 iterations; the 5th (k=4) after sqrt(5/10) s.
    expect(rampingArrivalTime(0, 1000, [{ durationMs: 1000, target: 20 }], 4)).toBeCloseTo(Math.sqrt(0.5) * 1000);
  });
});

describe('executors against the mock', () => {
  it('shared-iterations runs exactly the iterations, shared by the VUs, with __VU and __ITER', async () => {
    const file = out();
    const r = await runEngine(probeArgs(fx.mock.url, file, { scenarios: { s: { executor: 'shared-iterations', vus: 3, iterations: 17 } } }));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { seen, data, timingErrors } = readProbe(file);
    expect(seen).toHaveLength(17);
    expect(data.metrics.iterations.values.count).toBe(17);
    expect(data.metrics.http_reqs.values.count).toBe(17);
    expect(new Set(seen.map((s) => s.vu))).toEqual(new Set([1, 2, 3]));
    expect(seen.map((s) => s.inTest).sort((a, b) => a - b)).toEqual([...Array(17).keys()]);
    for (const vu of [1, 2, 3]) {
      const iters = seen.filter((s) => s.vu === vu).map((s) => s.iter);
      expect(iters).toEqual([...Array(iters.length).keys()]);
    }
    expect(seen.every((s) => s.setupVu === 0)).toBe(true);
    expect(data.setup_data).toEqual({ startedBy: 0, token: 'abc' });
    expect(timingErrors).toEqual([]);
    expect(data.metrics.vus_max.values.max).toBe(3);
  });

  it('per-vu-iterations runs the iterations on each VU', async () => {
    const file = out();
    const r = await runEngine(probeArgs(fx.mock.url, file, { scenarios: { p: { executor: 'per-vu-iterations', vus: 4, iterations: 3 } } }));
    expect(r.code).toBe(0);
    const { seen } = readProbe(file);
    expect(seen).toHaveLength(12);
    for (const vu of [1, 2, 3, 4]) expect(seen.filter((s) => s.vu === vu).map((s) => s.iter)).toEqual([0, 1, 2]);
  });

  it('constant-vus loops for the duration (CLI --vus/--duration shortcut)', async () => {
    const file = out();
    const started = Date.now();
    const r = await runEngine(probeArgs(fx.mock.url, file, {}, { MODE: 'wait', WAIT_MS: '50' }, ['--vus', '2', '--duration', '1s']));
    const wall = Date.now() - started;
    expect(r.code).toBe(0);
    const { seen, data } = readProbe(file);
    expect(data.state.testRunDurationMs).toBeGreaterThanOrEqual(1000);
    expect(data.state.testRunDurationMs).toBeLessThan(5000);
    expect(wall).toBeLessThan(20_000);
    // 2 VUs x ~20 iterations of 50 ms; generous bounds for a loaded machine.
    expect(seen.length).toBeGreaterThan(4);
    expect(seen.length).toBeLessThanOrEqual(42);
    expect(new Set(seen.map((s) => s.vu))).toEqual(new Set([1, 2]));
  });

  it('constant-arrival-rate starts exactly rate x duration iterations when the target keeps up', async () => {
    const file = out();
    const r = await runEngine(
      probeArgs(fx.mock.url, file, { scenarios: { car: { executor: 'constant-arrival-rate', rate: 50, timeUnit: '1s', duration: '2s', preAllocatedVUs: 10, maxVUs: 20 } } }),
    );
    expect(r.code).toBe(0);
    const { data, seen } = readProbe(file);
    const dropped = data.metrics.dropped_iterations?.values.count ?? 0;
    expect(data.metrics.iterations.values.count + dropped).toBe(100);
    expect(dropped).toBe(0);
    // Started on schedule: the last iteration starts near 1.98 s after the first.
    const times = seen.map((s) => s.t).sort((a, b) => a - b);
    expect(times[times.length - 1] - times[0]).toBeGreaterThan(1700);
  });

  it('arrival-rate drops iterations when no VU is free (dropped_iterations)', async () => {
    const file = out();
    const r = await runEngine(
      probeArgs(
        fx.mock.url,
        file,
        { scenarios: { car: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '1s', preAllocatedVUs: 1, maxVUs: 2 } } },
        { LAT: '300ms' },
      ),
    );
    expect(r.code).toBe(0);
    const { data } = readProbe(file);
    const dropped = data.metrics.dropped_iterations.values.count;
    expect(dropped).toBeGreaterThan(5);
    expect(data.metrics.iterations.values.count + dropped).toBe(20);
    expect(data.metrics.vus_max.values.max).toBe(2);
  });

  it('ramping-arrival-rate follows the integral of the rate', async () => {
    const file = out();
    const r = await runEngine(
      probeArgs(fx.mock.url, file, {
        scenarios: { rar: { executor: 'ramping-arrival-rate', startRate: 0, timeUnit: '1s', preAllocatedVUs: 5, stages: [{ duration: '1s', target: 40 }] } },
      }),
    );
    expect(r.code).toBe(0);
    const { data } = readProbe(file);
    expect(data.metrics.iterations.values.count + (data.metrics.dropped_iterations?.values.count ?? 0)).toBe(20);
  });

  it('ramping-vus ramps up, down and up again (reusing retired VUs)', async () => {
    const file = out();
    const stages = [
      { duration: '400ms', target: 3 },
      { duration: '400ms', target: 0 },
      { duration: '400ms', target: 3 },
    ];
    const r = await runEngine(
      probeArgs(fx.mock.url, file, { scenarios: { rv: { executor: 'ramping-vus', startVUs: 0, stages, gracefulRampDown: '1s' } } }, { MODE: 'wait', WAIT_MS: '30' }),
    );
    expect(r.code).toBe(0);
    const { data, seen } = readProbe(file);
    expect(data.metrics.vus.values.max).toBe(3);
    expect(data.metrics.vus_max.values.max).toBe(3);
    expect(new Set(seen.map((s) => s.vu))).toEqual(new Set([1, 2, 3]));
    const times = seen.map((s) => s.t).sort((a, b) => a - b);
    // Iterations again in the last stage, after the ramp down to 0.
    expect(times[times.length - 1] - times[0]).toBeGreaterThan(700);
  });

  it('interrupts iterations after gracefulStop', async () => {
    const file = out();
    const started = Date.now();
    const r = await runEngine(
      probeArgs(fx.mock.url, file, { scenarios: { cv: { executor: 'constant-vus', vus: 2, duration: '300ms', gracefulStop: '200ms' } } }, { MODE: 'hang' }),
    );
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(4900 + 3000);
    const { data, seen } = readProbe(file);
    expect(seen).toHaveLength(2);
    expect(data.metrics.iterations).toBeUndefined();
    expect(data.state.testRunDurationMs).toBeLessThan(2000);
  });

  it('reuses the VUs of a finished scenario, even with interrupted iterations (vus_max as k6 plans it)', async () => {
    const file = out();
    const r = await runEngine(
      probeArgs(
        fx.mock.url,
        file,
        {
          scenarios: {
            warm: { executor: 'constant-vus', vus: 2, duration: '300ms', gracefulStop: '0s' },
            main: { executor: 'shared-iterations', vus: 2, iterations: 4, startTime: '300ms' },
          },
        },
        { MODE: 'wait', WAIT_MS: '120' },
      ),
    );
    expect(r.code).toBe(0);
    const { data, seen } = readProbe(file);
    expect(data.metrics.vus_max.values.max).toBe(2);
    expect(new Set(seen.map((s) => s.vu))).toEqual(new Set([1, 2]));
    expect(seen.filter((s) => s.scenario === 'main')).toHaveLength(4);
  });

  it('runs several scenarios with startTime, exec, env and tags', async () => {
    const file = out();
    const r = await runEngine(
      probeArgs(fx.mock.url, file, {
        scenarios: {
          first: { executor: 'per-vu-iterations', vus: 1, iterations: 2, env: { SCEN_ENV: 'one' } },
          later: { executor: 'shared-iterations', vus: 2, iterations: 2, startTime: '500ms', exec: 'second', tags: { kind: 'late' } },
        },
        thresholds: { 'http_reqs{kind:late}': ['count==2'], 'http_reqs{scenario:first}': ['count==2'] },
      }),
    );
    expect(r.code).toBe(0);
    const { data, seen } = readProbe(file);
    const first = seen.filter((s) => s.scenario === 'first');
    const later = seen.filter((s) => s.scenario === 'later');
    expect(first).toHaveLength(2);
    expect(later).toHaveLength(2);
    expect(first.every((s) => s.env === 'one')).toBe(true);
    expect(later.every((s) => s.env === null)).toBe(true);
    expect(Math.min(...later.map((s) => s.t)) - Math.min(...first.map((s) => s.t))).toBeGreaterThanOrEqual(450);
    expect(data.metrics['http_reqs{kind:late}'].values.count).toBe(2);
    expect(data.metrics['http_reqs{kind:late}'].thresholds).toEqual({ 'count==2': { ok: true } });
  });
});
