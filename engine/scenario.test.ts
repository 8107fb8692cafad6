import { describe, expect, it } from 'vitest';
import { initialVus, maxScenarioMs, OptionsError, parseScenario, resolveScenarios } from './scenario.ts';

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
