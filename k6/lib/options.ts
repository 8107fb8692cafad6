// Maps the configuration onto k6 options: executors, warm-up, thresholds, cloud, trend stats.
// Pure code (no k6 imports); the scenario files assign the result to k6's typed `Options`.
import type { Config } from './config.ts';
import { ERROR_KINDS } from './classify.ts';
import { plateauPlan } from '../../contract/plateaus.ts';

export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(50)', 'p(90)', 'p(95)', 'p(99)', 'count'];

/** Tag on every sample: "warmup" during WARMUP, "measure" after it. */
export const PHASE_TAG = 'phase';
export const MEASURE_FILTER = `{${PHASE_TAG}:measure}`;

/** Shared-iterations upper bound: a count-driven run must end by request count, not by this. */
export const SHARED_ITERATIONS_MAX_DURATION = '24h';

interface BaseScenario {
  startTime?: string;
  gracefulStop?: string;
  exec?: string;
  tags?: Record<string, string>;
}
export type Scenario = BaseScenario &
  (
    | { executor: 'shared-iterations'; vus: number; iterations: number; maxDuration: string }
    | { executor: 'constant-vus'; vus: number; duration: string }
    | { executor: 'ramping-vus'; startVUs: number; stages: { duration: string; target: number }[]; gracefulRampDown: string }
    | {
        executor: 'constant-arrival-rate';
        rate: number;
        timeUnit: string;
        duration: string;
        preAllocatedVUs: number;
        maxVUs: number;
      }
  );

export interface ScenarioOptions {
  scenarios: Record<string, Scenario>;
  thresholds: Record<string, string[]>;
  summaryTrendStats: string[];
  cloud: Record<string, unknown>;
}

const ms = (value: number) => `${Math.round(value)}ms`;

/** RATE with decimals → an integer rate over a longer time unit (2.5/s → 25 per 10s). */
export function arrivalRate(rate: number): { rate: number; timeUnit: string } {
  for (const unit of [1, 10, 100, 1000]) {
    const scaled = rate * unit;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9) return { rate: Math.round(scaled), timeUnit: `${unit}s` };
  }
  return { rate: Math.round(rate * 1000), timeUnit: '1000s' };
}

/** The measured scenario's executor for this configuration. */
export function measuredExecutor(config: Config): Scenario {
  if (config.scenario === 'concurrency') {
    const stages = plateauPlan(config.concurrency, config.durationMs).flatMap((p) => [
      { duration: ms(p.holdStartMs - p.rampStartMs), target: p.vus },
      { duration: ms(p.endMs - p.holdStartMs), target: p.vus },
    ]);
    return { executor: 'ramping-vus', startVUs: 0, stages, gracefulRampDown: '30s' };
  }
  if (config.rate !== null) {
    const maxVUs = config.maxVUs ?? config.concurrency;
    const durationMs = config.durationMs > 0 ? config.durationMs : Math.ceil((config.requests / config.rate) * 1000);
    return {
      executor: 'constant-arrival-rate',
      ...arrivalRate(config.rate),
      duration: ms(durationMs),
      preAllocatedVUs: Math.min(config.concurrency, maxVUs),
      maxVUs,
    };
  }
  if (config.durationMs > 0) {
    return { executor: 'constant-vus', vus: config.concurrency, duration: ms(config.durationMs) };
  }
  // k6 refuses more VUs than iterations.
  return {
    executor: 'shared-iterations',
    vus: Math.min(config.concurrency, config.requests),
    iterations: config.requests,
    maxDuration: SHARED_ITERATIONS_MAX_DURATION,
  };
}

/** VUs the measured scenario runs at its peak (what the result calls concurrency). */
export function effectiveConcurrency(config: Config): number {
  const executor = measuredExecutor(config);
  switch (executor.executor) {
    case 'shared-iterations':
    case 'constant-vus':
      return executor.vus;
    case 'constant-arrival-rate':
      return executor.maxVUs;
    case 'ramping-vus':
      return Math.max(...executor.stages.map((s) => s.target));
  }
}

/** Metrics whose `{phase:measure}` submetric is shown when there is a warm-up. */
export function headlineMetrics(config: Config): string[] {
  const names = [
    'http_reqs',
    'http_req_failed',
    'http_req_duration',
    'http_req_duration{expected_response:true}',
    'http_req_duration{expected_response:false}',
    'http_req_waiting',
    'http_req_receiving',
    'iterations',
    'checks',
    'llm_errors',
    ...ERROR_KINDS.map((kind) => `llm_errors_${kind}`),
  ];
  if (config.scenario === 'streaming') {
    names.push('ttft', 'stream_duration', 'output_tokens', 'tokens_per_second', 'itl', 'stream_ok', 'usage_mismatch');
  }
  // Open model: iterations the arrival-rate executor could not start, measured phase alone, so a
  // report need not count the warm-up's drops.
  if (config.rate !== null) names.push('dropped_iterations');
  return names;
}

/** `http_req_duration{expected_response:true}` + `{phase:measure}` → one selector. */
export function withFilter(metric: string, filter: string): string {
  if (filter === '') return metric;
  return metric.endsWith('}') ? `${metric.slice(0, -1)},${filter.slice(1)}` : metric + filter;
}

const ALWAYS_TRUE: Record<string, string> = { trend: 'max>=0', rate: 'rate>=0', counter: 'count>=0' };
function kindOf(metric: string): 'trend' | 'rate' | 'counter' {
  const base = metric.replace(/\{.*$/, '');
  if (['http_req_failed', 'checks', 'stream_ok'].includes(base)) return 'rate';
  if (['http_reqs', 'iterations', 'output_tokens', 'dropped_iterations', 'usage_mismatch'].includes(base) || base.startsWith('llm_errors')) {
    return 'counter';
  }
  return 'trend';
}

export function buildThresholds(config: Config): Record<string, string[]> {
  const thresholds: Record<string, string[]> = {};
  const filter = config.warmupMs > 0 ? MEASURE_FILTER : '';
  const t = config.thresholds;
  if (t.errorRate !== null) thresholds[withFilter('http_req_failed', filter)] = [`rate<${t.errorRate}`];
  if (t.checksRate !== null) thresholds[withFilter('checks', filter)] = [`rate>${t.checksRate}`];
  if (t.p95Ms !== null) thresholds[withFilter('http_req_duration', filter)] = [`p(95)<${t.p95Ms}`];
  if (t.ttftP95Ms !== null && config.scenario === 'streaming') thresholds[withFilter('ttft', filter)] = [`p(95)<${t.ttftP95Ms}`];

  // Always-true thresholds only make submetrics appear in the end-of-test summary.
  const show = (metric: string) => {
    if (!(metric in thresholds)) thresholds[metric] = [ALWAYS_TRUE[kindOf(metric)]];
  };
  if (filter !== '') for (const metric of headlineMetrics(config)) show(withFilter(metric, filter));
  // Latency of failed requests (the reporter's failed_latency_p50/p99).
  else show('http_req_duration{expected_response:false}');
  if (config.scenario === 'concurrency') {
    for (const p of plateauPlan(config.concurrency, config.durationMs)) {
      for (const metric of ['http_reqs', 'http_req_failed', 'http_req_duration', 'llm_errors']) {
        show(`${metric}{plateau:${p.vus}}`);
      }
    }
  }
  return thresholds;
}

export function buildOptions(config: Config): ScenarioOptions {
  const scenarios: Record<string, Scenario> = {};
  const measured = measuredExecutor(config);
  if (config.warmupMs > 0) {
    // Same load shape at its start level; stopped hard at WARMUP so it never overlaps the
    // measured scenario (its in-flight requests are cut and stay tagged phase:warmup).
    const vus =
      measured.executor === 'ramping-vus' ? measured.stages[0].target : effectiveConcurrency(config);
    scenarios.warmup =
      measured.executor === 'constant-arrival-rate'
        ? { ...measured, duration: ms(config.warmupMs), gracefulStop: '0s', tags: { [PHASE_TAG]: 'warmup' } }
        : { executor: 'constant-vus', vus, duration: ms(config.warmupMs), gracefulStop: '0s', tags: { [PHASE_TAG]: 'warmup' } };
    measured.startTime = ms(config.warmupMs);
  }
  measured.tags = { [PHASE_TAG]: 'measure' };
  scenarios[config.scenario] = measured;
  return {
    scenarios,
    thresholds: buildThresholds(config),
    summaryTrendStats: SUMMARY_TREND_STATS,
    cloud: { ...config.cloud },
  };
}
