// A scenario seen from one part of a segmented run (engine/segments.ts): whether the part has
// anything to do, its own counts for the banner and the VUs started up front, and how its
// iterations are numbered in the whole run (exec.scenario.iterationInTest), as k6's executors do.
import type { ScenarioConfig } from './scenario.ts';
import type { Share } from './segments.ts';

const peakTarget = (start: number, stages: Array<{ target: number }>) => Math.max(start, ...stages.map((x) => x.target));

/** k6's HasWork: false when this part gets no VU (or no iteration) of the scenario. */
export function hasWork(s: ScenarioConfig, share: Share): boolean {
  if (share.isFull) return true;
  switch (s.executor) {
    case 'shared-iterations':
      return share.scale(s.vus) > 0 && share.forValue(s.vus).scale(s.iterations) > 0;
    case 'per-vu-iterations':
    case 'constant-vus':
      return share.scale(s.vus) > 0;
    case 'ramping-vus':
      return share.scale(peakTarget(s.startVUs, s.stages)) > 0;
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate':
      return share.scale(s.maxVUs) > 0;
  }
}

/**
 * The scenario as this part runs it, for descriptions and VU counts: VUs and iterations scaled,
 * rates multiplied by the part's fraction. Executors take the whole config and the share (a
 * part's ramp follows the whole run's VU by VU, not a ramp between scaled targets).
 */
export function localScenario(s: ScenarioConfig, share: Share): ScenarioConfig {
  if (share.isFull) return s;
  const f = share.fraction;
  const rate = (r: number) => Math.round(r * f * 100) / 100;
  switch (s.executor) {
    case 'shared-iterations': {
      const vus = share.scale(s.vus);
      return { ...s, vus, iterations: vus === 0 ? 0 : share.forValue(s.vus).scale(s.iterations) };
    }
    case 'per-vu-iterations':
    case 'constant-vus':
      return { ...s, vus: share.scale(s.vus) };
    case 'ramping-vus':
      return { ...s, startVUs: share.scale(s.startVUs), stages: s.stages.map((x) => ({ ...x, target: share.scale(x.target) })) };
    case 'constant-arrival-rate':
      return { ...s, rate: rate(s.rate), preAllocatedVUs: share.scale(s.preAllocatedVUs), maxVUs: share.scale(s.maxVUs) };
    case 'ramping-arrival-rate':
      return {
        ...s,
        startRate: rate(s.startRate),
        stages: s.stages.map((x) => ({ ...x, target: rate(x.target) })),
        preAllocatedVUs: share.scale(s.preAllocatedVUs),
        maxVUs: share.scale(s.maxVUs),
      };
  }
}

/**
 * The index in the whole run of this part's k-th iteration of the scenario: k6 numbers them with
 * the tuple its executor stripes by (re-cut by the VUs for shared-iterations, by maxVUs for the
 * arrival rates). Requires hasWork().
 */
export function iterationIndex(s: ScenarioConfig, share: Share): (k: number) => number {
  if (share.isFull) return (k) => k;
  const striped =
    s.executor === 'shared-iterations' ? share.forValue(s.vus) : s.executor.endsWith('arrival-rate') ? share.forValue((s as { maxVUs: number }).maxVUs) : share;
  return (k) => striped.nth(k);
}
