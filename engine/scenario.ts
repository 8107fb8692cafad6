// Scenarios: k6's `options.scenarios` (or the vus/iterations/duration/stages shortcuts and their
// CLI overrides) validated into one typed config per scenario, with k6's defaults.
import { formatGoDuration, parseDurationMs } from '../lib/duration.ts';

export type ExecutorName =
  | 'shared-iterations'
  | 'per-vu-iterations'
  | 'constant-vus'
  | 'ramping-vus'
  | 'constant-arrival-rate'
  | 'ramping-arrival-rate';

export interface Stage {
  durationMs: number;
  target: number;
}

interface Common {
  name: string;
  executor: ExecutorName;
  startTimeMs: number;
  gracefulStopMs: number;
  exec: string;
  /** Whether the options named `exec` (k6's banner then shows it). */
  execGiven?: boolean;
  env: Record<string, string>;
  tags: Record<string, string>;
}

export type ScenarioConfig = Common &
  (
    | { executor: 'shared-iterations'; vus: number; iterations: number; maxDurationMs: number }
    | { executor: 'per-vu-iterations'; vus: number; iterations: number; maxDurationMs: number }
    | { executor: 'constant-vus'; vus: number; durationMs: number }
    | { executor: 'ramping-vus'; startVUs: number; stages: Stage[]; gracefulRampDownMs: number }
    | { executor: 'constant-arrival-rate'; rate: number; timeUnitMs: number; durationMs: number; preAllocatedVUs: number; maxVUs: number }
    | { executor: 'ramping-arrival-rate'; startRate: number; timeUnitMs: number; stages: Stage[]; preAllocatedVUs: number; maxVUs: number }
  );

/** A mistake in the script's options: the run stops before it starts (k6 exit code 104/107). */
export class OptionsError extends Error {
  override name = 'OptionsError';
}

export const EXECUTORS: readonly ExecutorName[] = [
  'shared-iterations',
  'per-vu-iterations',
  'constant-vus',
  'ramping-vus',
  'constant-arrival-rate',
  'ramping-arrival-rate',
];

export interface ShortcutOverrides {
  vus?: number;
  iterations?: number;
  durationMs?: number;
  /** `--stage`: ramping VUs replacing the scenarios. */
  stages?: Array<{ duration: string; target: number }>;
}

type Raw = Record<string, unknown>;

function duration(where: string, value: unknown, fallback?: number): number {
  if (value === undefined || value === null) {
    if (fallback === undefined) throw new OptionsError(`${where}: required (a duration like "30s")`);
    return fallback;
  }
  // k6 reads bare numbers in durations as milliseconds.
  const ms = typeof value === 'string' || typeof value === 'number' ? parseDurationMs(value, 'ms') : null;
  if (ms === null) throw new OptionsError(`${where}: expected a duration like "30s" or "1m30s" (got ${JSON.stringify(value)})`);
  return ms;
}

function count(where: string, value: unknown, fallback?: number, min = 0): number {
  if (value === undefined || value === null) {
    if (fallback === undefined) throw new OptionsError(`${where}: required (a whole number)`);
    return fallback;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new OptionsError(`${where}: expected a whole number >= ${min} (got ${JSON.stringify(value)})`);
  }
  return value;
}

function rate(where: string, value: unknown, fallback?: number): number {
  if (value === undefined || value === null) {
    if (fallback === undefined) throw new OptionsError(`${where}: required (a number of iterations per timeUnit)`);
    return fallback;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new OptionsError(`${where}: expected a number >= 0 (got ${JSON.stringify(value)})`);
  }
  return value;
}

function stringMap(where: string, value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new OptionsError(`${where}: expected an object of strings`);
  return Object.fromEntries(Object.entries(value as Raw).map(([k, v]) => [k, String(v)]));
}

function stages(where: string, value: unknown): Stage[] {
  if (!Array.isArray(value) || value.length === 0) throw new OptionsError(`${where}: expected a non-empty array of { duration, target }`);
  return value.map((stage: Raw, i) => ({
    durationMs: duration(`${where}[${i}].duration`, stage?.duration),
    target: rate(`${where}[${i}].target`, stage?.target),
  }));
}

/** One scenario from its raw options object, with k6's defaults; throws OptionsError naming the field. */
export function parseScenario(name: string, raw: Raw): ScenarioConfig {
  const at = `scenarios.${name}`;
  const executor = raw.executor as ExecutorName;
  if (!EXECUTORS.includes(executor)) {
    throw new OptionsError(`${at}.executor: expected one of ${EXECUTORS.join(', ')} (got ${JSON.stringify(raw.executor)})`);
  }
  const common = {
    name,
    startTimeMs: duration(`${at}.startTime`, raw.startTime, 0),
    gracefulStopMs: duration(`${at}.gracefulStop`, raw.gracefulStop, 30_000),
    exec: raw.exec === undefined ? 'default' : String(raw.exec),
    execGiven: raw.exec !== undefined,
    env: stringMap(`${at}.env`, raw.env),
    tags: stringMap(`${at}.tags`, raw.tags),
  };
  switch (executor) {
    case 'shared-iterations':
    case 'per-vu-iterations': {
      const vus = count(`${at}.vus`, raw.vus, 1, 1);
      const iterations = count(`${at}.iterations`, raw.iterations, 1, 1);
      if (executor === 'shared-iterations' && iterations < vus) {
        throw new OptionsError(`${at}.iterations: the number of iterations (${iterations}) can't be less than the number of VUs (${vus})`);
      }
      return { ...common, executor, vus, iterations, maxDurationMs: duration(`${at}.maxDuration`, raw.maxDuration, 600_000) };
    }
    case 'constant-vus':
      return { ...common, executor, vus: count(`${at}.vus`, raw.vus, 1, 1), durationMs: duration(`${at}.duration`, raw.duration) };
    case 'ramping-vus':
      return {
        ...common,
        executor,
        startVUs: count(`${at}.startVUs`, raw.startVUs, 1),
        stages: stages(`${at}.stages`, raw.stages),
        gracefulRampDownMs: duration(`${at}.gracefulRampDown`, raw.gracefulRampDown, 30_000),
      };
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate': {
      const preAllocatedVUs = count(`${at}.preAllocatedVUs`, raw.preAllocatedVUs, undefined, 0);
      const maxVUs = count(`${at}.maxVUs`, raw.maxVUs, preAllocatedVUs, 0);
      if (maxVUs < preAllocatedVUs) throw new OptionsError(`${at}.maxVUs: must be >= preAllocatedVUs (${preAllocatedVUs}), got ${maxVUs}`);
      const timeUnitMs = duration(`${at}.timeUnit`, raw.timeUnit, 1000);
      if (timeUnitMs <= 0) throw new OptionsError(`${at}.timeUnit: must be greater than 0`);
      if (executor === 'constant-arrival-rate') {
        return { ...common, executor, rate: rate(`${at}.rate`, raw.rate), timeUnitMs, durationMs: duration(`${at}.duration`, raw.duration), preAllocatedVUs, maxVUs };
      }
      return { ...common, executor, startRate: rate(`${at}.startRate`, raw.startRate, 0), timeUnitMs, stages: stages(`${at}.stages`, raw.stages), preAllocatedVUs, maxVUs };
    }
  }
}

/**
 * The scenarios to run, as k6 derives them: CLI --iterations/--duration (or the script's top-level
 * iterations/duration/stages) replace `scenarios` with one "default" scenario; otherwise
 * `options.scenarios`; otherwise one iteration of one VU.
 */
export function resolveScenarios(options: Raw, cli: ShortcutOverrides): ScenarioConfig[] {
  const vus = cli.vus ?? (options.vus as number | undefined);
  const shortcut = (raw: Raw): ScenarioConfig[] => [parseScenario('default', raw)];
  if (cli.iterations !== undefined) return shortcut({ executor: 'shared-iterations', vus: vus ?? 1, iterations: cli.iterations });
  if (cli.durationMs !== undefined) return shortcut({ executor: 'constant-vus', vus: vus ?? 1, duration: cli.durationMs });
  if (cli.stages !== undefined && cli.stages.length > 0) return shortcut({ executor: 'ramping-vus', startVUs: vus ?? 1, stages: cli.stages });
  const scenarios = options.scenarios as Record<string, Raw> | undefined;
  if (scenarios && typeof scenarios === 'object' && Object.keys(scenarios).length > 0) {
    return Object.entries(scenarios).map(([name, raw]) => {
      if (!raw || typeof raw !== 'object') throw new OptionsError(`scenarios.${name}: expected an object`);
      return parseScenario(name, raw);
    });
  }
  if (options.iterations !== undefined && options.iterations !== null) {
    return shortcut({ executor: 'shared-iterations', vus: vus ?? 1, iterations: options.iterations, maxDuration: options.duration ?? undefined });
  }
  if (options.duration !== undefined && options.duration !== null && parseDurationMs(options.duration as string, 'ms') !== 0) {
    return shortcut({ executor: 'constant-vus', vus: vus ?? 1, duration: options.duration });
  }
  if (Array.isArray(options.stages) && options.stages.length > 0) {
    return shortcut({ executor: 'ramping-vus', startVUs: vus ?? 1, stages: options.stages });
  }
  return shortcut({ executor: 'shared-iterations', vus: vus ?? 1, iterations: vus ?? 1 });
}

/** Longest time a scenario can run (start offset + its own duration + gracefulStop), as k6 prints "max duration". */
export function maxScenarioMs(s: ScenarioConfig): number {
  const stagesMs = (st: Stage[]) => st.reduce((sum, x) => sum + x.durationMs, 0);
  switch (s.executor) {
    case 'shared-iterations':
    case 'per-vu-iterations':
      return s.startTimeMs + s.maxDurationMs + s.gracefulStopMs;
    case 'constant-vus':
    case 'constant-arrival-rate':
      return s.startTimeMs + s.durationMs + s.gracefulStopMs;
    case 'ramping-vus':
      return s.startTimeMs + stagesMs(s.stages) + Math.max(s.gracefulStopMs, s.gracefulRampDownMs);
    case 'ramping-arrival-rate':
      return s.startTimeMs + stagesMs(s.stages) + s.gracefulStopMs;
  }
}

/** The VUs a scenario needs at once (what k6 initialises before the start). */
export function initialVus(s: ScenarioConfig): number {
  switch (s.executor) {
    case 'shared-iterations':
    case 'per-vu-iterations':
    case 'constant-vus':
      return s.vus;
    case 'ramping-vus':
      return Math.max(s.startVUs, ...s.stages.map((x) => x.target));
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate':
      return s.preAllocatedVUs;
  }
}

/** One-line description as k6 prints it, like "* default: 10 looping VUs for 30s (gracefulStop: 30s)" (lib/executor/*.go GetDescription). */
export function describeScenario(s: ScenarioConfig): string {
  const go = formatGoDuration;
  const facts = (...first: string[]): string => {
    const all = [...first];
    if (s.execGiven) all.push(`exec: ${s.exec}`);
    if (s.startTimeMs > 0) all.push(`startTime: ${go(s.startTimeMs)}`);
    if (s.gracefulStopMs > 0) all.push(`gracefulStop: ${go(s.gracefulStopMs)}`);
    return all.length === 0 ? '' : ` (${all.join(', ')})`;
  };
  const stagesMs = (st: Stage[]) => st.reduce((sum, x) => sum + x.durationMs, 0);
  const perSecond = (rate: number, timeUnitMs: number) => ((rate * 1000) / timeUnitMs).toFixed(2);
  const vusRange = (pre: number, max: number) => `maxVUs: ${pre}${max > pre ? `-${max}` : ''}`;
  switch (s.executor) {
    case 'shared-iterations':
      return `${s.iterations} iterations shared among ${s.vus} VUs${facts(`maxDuration: ${go(s.maxDurationMs)}`)}`;
    case 'per-vu-iterations':
      return `${s.iterations} iterations for each of ${s.vus} VUs${facts(`maxDuration: ${go(s.maxDurationMs)}`)}`;
    case 'constant-vus':
      return `${s.vus} looping VUs for ${go(s.durationMs)}${facts()}`;
    case 'ramping-vus':
      return `Up to ${initialVus(s)} looping VUs for ${go(stagesMs(s.stages))} over ${s.stages.length} stages${facts(`gracefulRampDown: ${go(s.gracefulRampDownMs)}`)}`;
    case 'constant-arrival-rate':
      return `${perSecond(s.rate, s.timeUnitMs)} iterations/s for ${go(s.durationMs)}${facts(vusRange(s.preAllocatedVUs, s.maxVUs))}`;
    case 'ramping-arrival-rate': {
      const top = Math.max(s.startRate, ...s.stages.map((x) => x.target));
      return `Up to ${perSecond(top, s.timeUnitMs)} iterations/s for ${go(stagesMs(s.stages))} over ${s.stages.length} stages${facts(vusRange(s.preAllocatedVUs, s.maxVUs))}`;
    }
  }
}
