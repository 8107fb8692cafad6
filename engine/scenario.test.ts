import { describe, expect, it } from 'vitest';
import { describeScenario, initialVus, maxScenarioMs, OptionsError, parseScenario, resolveScenarios } from './scenario.ts';

describe('resolveScenarios', () => {
  it('defaults to one iteration of one VU', () => {
    expect(resolveScenarios({}, {})).toMatchObject([{ name: 'default', executor: 'shared-iterations', vus: 1, iterations: 1, gracefulStopMs: 30_000, exec: 'default' }]);
  });

  it('maps the shortcuts like k6: iterations, duration, stages', () => {
    expect(resolveScenarios({ vus: 5, iterations: 50 }, {})[0]).toMatchObject({ executor: 'shared-iterations', vus: 5, iterations: 50 });
    expect(resolveScenarios({ vus: 3, duration: '10s' }, {})[0]).toMatchObject({ executor: 'constant-vus', vus: 3, durationMs: 10_000 });
    expect(resolveScenarios({ stages: [{ duration: '1m', target: 10 }] }, {})[0]).toMatchObject({ executor: 'ramping-vus', startVUs: 1, stages: [{ durationMs: 60_000, target: 10 }] });
  });

  it('lets CLI --iterations/--duration replace the scenarios, with --vus', () => {
    const options = { scenarios: { a: { executor: 'constant-vus', vus: 2, duration: '1s' } } };
    expect(resolveScenarios(options, { iterations: 7, vus: 2 })).toMatchObject([{ name: 'default', executor: 'shared-iterations', iterations: 7, vus: 2 }]);
    expect(resolveScenarios(options, { durationMs: 5000 })).toMatchObject([{ executor: 'constant-vus', durationMs: 5000, vus: 1 }]);
    expect(resolveScenarios(options, { vus: 9 })).toMatchObject([{ name: 'a', vus: 2 }]);
  });

  it('reads every scenario with k6 defaults', () => {
    const [s] = resolveScenarios({ scenarios: { open: { executor: 'constant-arrival-rate', rate: 10, duration: '30s', preAllocatedVUs: 5, startTime: '10s', exec: 'chat', env: { A: 1 }, tags: { t: 'x' } } } }, {});
    expect(s).toEqual({
      name: 'open',
      executor: 'constant-arrival-rate',
      rate: 10,
      timeUnitMs: 1000,
      durationMs: 30_000,
      preAllocatedVUs: 5,
      maxVUs: 5,
      startTimeMs: 10_000,
      gracefulStopMs: 30_000,
      exec: 'chat',
      execGiven: true,
      env: { A: '1' },
      tags: { t: 'x' },
    });
    expect(maxScenarioMs(s)).toBe(70_000);
    expect(initialVus(s)).toBe(5);
  });

  it('names the field in errors', () => {
    expect(() => parseScenario('x', { executor: 'externally-controlled' })).toThrow(/scenarios\.x\.executor: expected one of/);
    expect(() => parseScenario('x', { executor: 'constant-vus', vus: 1 })).toThrow('scenarios.x.duration: required');
    expect(() => parseScenario('x', { executor: 'constant-vus', vus: 1.5, duration: '1s' })).toThrow('scenarios.x.vus: expected a whole number');
    expect(() => parseScenario('x', { executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 5, maxVUs: 2 })).toThrow('scenarios.x.maxVUs');
    expect(() => parseScenario('x', { executor: 'shared-iterations', vus: 5, iterations: 2 })).toThrow(OptionsError);
    expect(() => parseScenario('x', { executor: 'ramping-vus', stages: [{ duration: 'soon', target: 1 }] })).toThrow('scenarios.x.stages[0].duration');
  });
});

describe('describeScenario', () => {
  // k6's own expectations (lib/executor/executors_test.go) for the same options.
  it.each([
    [{ executor: 'constant-vus', vus: 10, duration: '60s', gracefulStop: '10s', startTime: '70s', exec: 'someFunc' }, '10 looping VUs for 1m0s (exec: someFunc, startTime: 1m10s, gracefulStop: 10s)'],
    [
      { executor: 'ramping-vus', startVUs: 20, gracefulStop: '15s', gracefulRampDown: '10s', startTime: '23s', stages: [{ duration: '60s', target: 30 }, { duration: '130s', target: 10 }] },
      'Up to 30 looping VUs for 3m10s over 2 stages (gracefulRampDown: 10s, startTime: 23s, gracefulStop: 15s)',
    ],
    [{ executor: 'ramping-vus', startVUs: 1, gracefulStop: '0s', gracefulRampDown: '0s', stages: [{ duration: '10s', target: 10 }, { duration: '0s', target: 1 }, { duration: '10s', target: 5 }] }, 'Up to 10 looping VUs for 20s over 3 stages (gracefulRampDown: 0s)'],
    [{ executor: 'shared-iterations', iterations: 22, vus: 12, maxDuration: '100s' }, '22 iterations shared among 12 VUs (maxDuration: 1m40s, gracefulStop: 30s)'],
    [{ executor: 'per-vu-iterations', iterations: 23, vus: 13, gracefulStop: 0 }, '23 iterations for each of 13 VUs (maxDuration: 10m0s)'],
    [{ executor: 'constant-arrival-rate', rate: 30, timeUnit: '1m', duration: '10m', preAllocatedVUs: 20, maxVUs: 30 }, '0.50 iterations/s for 10m0s (maxVUs: 20-30, gracefulStop: 30s)'],
    [
      { executor: 'ramping-arrival-rate', startRate: 10, timeUnit: '30s', preAllocatedVUs: 20, maxVUs: 50, stages: [{ duration: '3m', target: 30 }, { duration: '5m', target: 10 }] },
      'Up to 1.00 iterations/s for 8m0s over 2 stages (maxVUs: 20-50, gracefulStop: 30s)',
    ],
    [{ executor: 'constant-arrival-rate', rate: 5, duration: '1h', preAllocatedVUs: 4, exec: 'default' }, '5.00 iterations/s for 1h0m0s (maxVUs: 4, exec: default, gracefulStop: 30s)'],
  ])('%j reads as k6 prints it', (raw, text) => {
    expect(describeScenario(parseScenario('s', raw))).toBe(text);
  });
});
