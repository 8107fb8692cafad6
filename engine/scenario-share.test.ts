import { describe, expect, it } from 'vitest';
import { arrivalSchedule, rampingArrivalTime, rampingVusShare, rampingVusTarget } from './executors.ts';
import { parseScenario, type ScenarioConfig } from './scenario.ts';
import { hasWork, iterationIndex, localScenario } from './scenario-share.ts';
import { ExecutionTuple, parseSequence, Share } from './segments.ts';
import { PROBE, probeArgs, readProbe, runEngine, tempDir } from './test-helpers.ts';

/** The shares of all instances of a sequence, or of N workers of the whole run. */
const partsOf = (points: string): Share[] => {
  const seq = parseSequence(points);
  return seq.map((s) => new Share([ExecutionTuple.of(s, seq)]));
};
const workersOf = (n: number): Share[] => Array.from({ length: n }, (_, i) => Share.FULL.subdivide(i, n));
const middleThird = () => {
  const seq = parseSequence('0,1/3,2/3,1');
  return new Share([ExecutionTuple.of(seq[1], seq)]);
};
/** [name, the parts, what they split: the whole run, or one instance's part]. */
const SPLITS: Array<[string, () => Share[], Share]> = [
  ['0,1/2,1', () => partsOf('0,1/2,1'), Share.FULL],
  ['0,1/3,2/3,1', () => partsOf('0,1/3,2/3,1'), Share.FULL],
  ['0,1/4,1/2,1', () => partsOf('0,1/4,1/2,1'), Share.FULL],
  ['3 workers', () => workersOf(3), Share.FULL],
  ['2 workers of the instance 1/3:2/3 in 0,1/3,2/3,1', () => [0, 1].map((i) => middleThird().subdivide(i, 2)), middleThird()],
];

const scenario = (raw: Record<string, unknown>): ScenarioConfig => parseScenario('s', raw);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const range = (n: number) => [...Array(n).keys()];

/** This part's iterationInTest values for its first `count` iterations. */
const indices = (s: ScenarioConfig, share: Share, count: number) => range(count).map(iterationIndex(s, share));

describe('each executor split by segments adds up to the whole run', () => {
  for (const [name, parts, whole] of SPLITS) {
    describe(name, () => {
      it('shared-iterations: VUs and iterations (3001 over 2 VUs, ...) add up exactly, iteration indices partition the run', () => {
        for (const [vus, iterations] of [
          [2, 3001],
          [1, 10],
          [3, 3],
          [10, 3001],
          [7, 100],
        ]) {
          const s = scenario({ executor: 'shared-iterations', vus, iterations });
          const all = localScenario(s, whole) as Extract<ScenarioConfig, { executor: 'shared-iterations' }>;
          const local = parts().map((p) => localScenario(s, p) as Extract<ScenarioConfig, { executor: 'shared-iterations' }>);
          expect(sum(local.map((l) => l.vus))).toBe(all.vus);
          expect(sum(local.map((l) => l.iterations))).toBe(all.iterations);
          // Nobody is left with iterations and no VU to run them.
          for (const l of local) expect(l.iterations === 0 || l.vus > 0).toBe(true);
          const seen = parts().flatMap((p, i) => (hasWork(s, p) ? indices(s, p, local[i].iterations) : []));
          expect(seen.sort((a, b) => a - b)).toEqual(hasWork(s, whole) ? indices(s, whole, all.iterations) : []);
        }
      });

      it('per-vu-iterations and constant-vus: the VUs add up, so do per-VU iterations', () => {
        for (const vus of [1, 2, 3, 10, 101]) {
          const per = scenario({ executor: 'per-vu-iterations', vus, iterations: 7 });
          const local = parts().map((p) => localScenario(per, p) as Extract<ScenarioConfig, { executor: 'per-vu-iterations' }>);
          const mine = whole.scale(vus);
          expect(sum(local.map((l) => l.vus))).toBe(mine);
          expect(sum(local.map((l) => l.vus * l.iterations))).toBe(mine * 7);
          const constant = scenario({ executor: 'constant-vus', vus, duration: '1s' });
          expect(sum(parts().map((p) => (localScenario(constant, p) as { vus: number }).vus))).toBe(mine);
          // A part without VUs does not run the scenario (k6's HasWork).
          parts().forEach((p, i) => expect(hasWork(per, p)).toBe(local[i].vus > 0));
        }
      });

      it('ramping-vus: at every instant the parts hold the VUs of the whole run, VU by VU', () => {
        const stages = [
          { durationMs: 1000, target: 7 },
          { durationMs: 500, target: 7 },
          { durationMs: 1000, target: 2 },
          { durationMs: 0, target: 10 },
          { durationMs: 2000, target: 0 },
        ];
        for (let t = 0; t <= 5000; t += 7) {
          const all = rampingVusShare(3, stages, t, whole);
          if (whole.isFull) expect(all).toBe(rampingVusTarget(3, stages, t));
          expect(sum(parts().map((p) => rampingVusShare(3, stages, t, p)))).toBe(all);
        }
      });

      it('constant-arrival-rate: the parts start exactly the iterations of the whole schedule, at their times', () => {
        for (const [rate, maxVUs] of [
          [100, 7],
          [30, 1],
          [13, 20],
          [3, 2],
        ]) {
          const s = scenario({ executor: 'constant-arrival-rate', rate, timeUnit: '1s', duration: '2s', preAllocatedVUs: 1, maxVUs });
          const globalTime = (k: number) => (k * 1000) / rate;
          const schedule = (share: Share) => {
            const at = arrivalSchedule(globalTime, maxVUs, share);
            const mine: number[] = [];
            for (let k = 0; at(k) < 2000; k++) mine.push(at(k));
            return mine;
          };
          const expected = hasWork(s, whole) ? schedule(whole) : [];
          if (whole.isFull) expect(expected).toEqual(range(2 * rate).map(globalTime));
          const times = parts()
            .filter((p) => hasWork(s, p))
            .flatMap((p) => {
              const mine = schedule(p);
              // iterationInTest is the index of the iteration in the whole schedule.
              expect(indices(s, p, mine.length).map(globalTime)).toEqual(mine);
              return mine;
            });
          expect(times.sort((a, b) => a - b)).toEqual(expected);
          expect(sum(parts().map((p) => (localScenario(s, p) as { maxVUs: number }).maxVUs))).toBe(whole.scale(maxVUs));
        }
      });

      it('ramping-arrival-rate: the parts start exactly the iterations of the whole ramp', () => {
        const stages = [
          { durationMs: 1000, target: 50 },
          { durationMs: 1000, target: 50 },
          { durationMs: 1000, target: 0 },
        ];
        const globalTime = (k: number) => rampingArrivalTime(0, 1000, stages, k);
        const schedule = (share: Share) => {
          const at = arrivalSchedule(globalTime, 5, share);
          const mine: number[] = [];
          for (let k = 0; at(k) < 3000; k++) mine.push(at(k));
          return mine;
        };
        const expected = schedule(whole);
        if (whole.isFull) expect(expected).toHaveLength(100);
        const times = parts().flatMap(schedule);
        expect(times.sort((a, b) => a - b)).toEqual(expected);
      });
    });
  }

  it('the whole run (no segment) is untouched', () => {
    const s = scenario({ executor: 'shared-iterations', vus: 3, iterations: 10 });
    expect(localScenario(s, Share.FULL)).toBe(s);
    expect(indices(s, Share.FULL, 4)).toEqual([0, 1, 2, 3]);
    expect(hasWork(scenario({ executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 0, maxVUs: 0 }), Share.FULL)).toBe(true);
  });
});

describe('engine run --execution-segment (real runs, no HTTP)', () => {
  const tmp = tempDir();
  let n = 0;
  const out = () => `${tmp.dir}/seg-${++n}.json`;
  const halves = ['0:1/2', '1/2:1'];

  /** Runs the probe script once per segment of 0,1/2,1 and returns what each part saw. */
  async function runHalves(options: unknown) {
    return Promise.all(
      halves.map(async (segment) => {
        const file = out();
        const r = await runEngine(probeArgs('http://127.0.0.1:1', file, options, { MODE: 'none' }, ['--execution-segment', segment, '--execution-segment-sequence', '0,1/2,1']));
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        return readProbe(file);
      }),
    );
  }

  it('shared-iterations: 3001 iterations over 2 VUs, split in halves, run exactly once each', async () => {
    const parts = await runHalves({ scenarios: { s: { executor: 'shared-iterations', vus: 2, iterations: 3001 } } });
    expect(parts.map((p) => p.data.metrics.iterations.values.count)).toEqual([1501, 1500]);
    const inTest = parts.flatMap((p) => p.seen.map((s) => s.inTest));
    expect(inTest.sort((a, b) => a - b)).toEqual(range(3001));
  }, 60_000);

  it('per-vu-iterations and constant-vus run their VUs in the part that owns them', async () => {
    const parts = await runHalves({
      scenarios: {
        p: { executor: 'per-vu-iterations', vus: 3, iterations: 4 },
        c: { executor: 'constant-vus', vus: 3, duration: '300ms', startTime: '0s' },
      },
    });
    const per = parts.map((p) => p.seen.filter((s) => s.scenario === 'p'));
    expect(per.map((x) => x.length)).toEqual([8, 4]);
    expect(sum(parts.map((p) => p.data.metrics.vus_max.values.max))).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('ramping-vus: the halves together hold the ramp', async () => {
    const parts = await runHalves({ scenarios: { r: { executor: 'ramping-vus', startVUs: 1, stages: [{ duration: '400ms', target: 4 }, { duration: '200ms', target: 4 }], gracefulRampDown: '0s' } } });
    expect(parts.map((p) => p.data.metrics.vus_max.values.max)).toEqual([2, 2]);
  }, 60_000);

  it('constant- and ramping-arrival-rate: the halves start exactly the iterations of the whole', async () => {
    const parts = await runHalves({
      scenarios: {
        c: { executor: 'constant-arrival-rate', rate: 40, timeUnit: '1s', duration: '1s', preAllocatedVUs: 4, maxVUs: 4 },
        r: { executor: 'ramping-arrival-rate', startRate: 0, timeUnit: '1s', stages: [{ duration: '1s', target: 40 }], preAllocatedVUs: 4, maxVUs: 4 },
      },
    });
    for (const [name, total] of [
      ['c', 40],
      ['r', 20],
    ] as const) {
      const inTest = parts.flatMap((p) => p.seen.filter((s) => s.scenario === name).map((s) => s.inTest));
      expect(inTest.sort((a, b) => a - b)).toEqual(range(total));
    }
  }, 60_000);

  it('refuses a bad segment with exit 104 and one line naming the flag or option', async () => {
    const r = await runEngine(['run', '-q', '--execution-segment', '2/3:1/3', PROBE]);
    expect(r.code).toBe(104);
    expect(r.stderr.trim()).toBe('invalid options: --execution-segment: segment start(0.67) must be less than its end(0.33)');
    const seq = await runEngine(['run', '-q', '--execution-segment', '0:1/4', '--execution-segment-sequence', '0,1/2,1', PROBE]);
    expect(seq.code).toBe(104);
    expect(seq.stderr).toContain("provided segment 0:1/4 can't be found in sequence 0,1/2,1");
    const option = await runEngine(probeArgs('http://127.0.0.1:1', out(), { executionSegment: 'half' }, { MODE: 'none' }));
    expect(option.code).toBe(104);
    expect(option.stderr.trim()).toBe("invalid options: executionSegment: 'half' is not a valid percentage, decimal, fraction or interval value");
  }, 60_000);

  it('takes the segment from the script options too', async () => {
    const file = out();
    const r = await runEngine(probeArgs('http://127.0.0.1:1', file, { executionSegment: '1/2:1', executionSegmentSequence: '0,1/2,1', iterations: 9, vus: 2 }, { MODE: 'none' }));
    expect(r.code).toBe(0);
    expect(readProbe(file).data.metrics.iterations.values.count).toBe(4);
  }, 60_000);
});
