// Any supported input (k6 handleSummary data, legacy --summary-export, machine-readable summary, or
// an LLMux result) → an LLMux result. Statistics the input lacks become null with a warning.
import { isHandleSummary, readHandleSummary } from './inputs/handle-summary.ts';
import { isMachineReadable, readMachineReadable } from './inputs/machine-readable.ts';
import { InputError, parseOrThrow, type InputFormat, type LlmuxKey, type NormMetric, type NormSummary } from './inputs/normalized.ts';
import { isSummaryExport, readSummaryExport } from './inputs/summary-export.ts';
import { ERROR_KINDS, ResultSchema, SCHEMA_VERSION, type Plateau, type Result, type Streaming } from './schema.ts';
import { epochNs, formatEpochNs, msToNs } from './time.ts';
// The concurrency scenario's plateau plan (pure code shared with the k6 scripts).
import { plateauPlan } from '../contract/plateaus.ts';

export { InputError, type InputFormat } from './inputs/normalized.ts';

/** What the caller knows that the summary does not (or overrides it). */
export interface ResultMeta {
  name?: string;
  target?: string;
  scenario?: string;
  engine?: NonNullable<Result['engine']>;
  requests?: number;
  concurrency?: number;
  start_time?: string;
  end_time?: string;
  memory?: Result['memory'];
  cpu?: Result['cpu'];
  rig?: Result['rig'];
  mock?: Result['mock'];
  environment?: Result['environment'];
  baseline_file?: string;
  /** Baseline result of the same load: overhead = this run − baseline, per percentile. */
  baseline?: Result;
  overhead?: Result['overhead'];
  repeat?: Result['repeat'];
  partial?: boolean;
  points_file?: string;
  /** A separate warm-up run before this one (the in-run warm-up comes from llmux.warmup_s). */
  warmup_seconds?: number;
  /** File the input came from, recorded in `source.file`. */
  sourceFile?: string;
}

export interface Conversion {
  result: Result;
  warnings: string[];
}

const DEFAULT_NAME = 'benchmark';

export function detectInput(json: unknown): InputFormat | null {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return null;
  const root = json as Record<string, unknown>;
  if (!('metrics' in root) && 'total_requests' in root && ('success_requests' in root || 'latency_p50' in root)) return 'llmux-result';
  if (isMachineReadable(root)) return 'k6-machine-readable';
  if (isHandleSummary(root)) return 'k6-handle-summary';
  if (isSummaryExport(root)) return 'k6-summary-export';
  return null;
}

export function resultFromSummary(json: unknown, meta: ResultMeta = {}): Conversion {
  const format = detectInput(json);
  switch (format) {
    case 'llmux-result':
      return fromLlmuxResult(json, meta);
    case 'k6-handle-summary':
      return fromNormalized(readHandleSummary(json), meta);
    case 'k6-summary-export':
      return fromNormalized(readSummaryExport(json), meta);
    case 'k6-machine-readable':
      return fromNormalized(readMachineReadable(json), meta);
    default:
      throw new InputError(
        '(root)',
        'not a k6 summary (handleSummary data, --summary-export, machine-readable) nor an LLMux result file',
      );
  }
}

/** An LLMux result (Go runner or ours) passes through, validated; flags given by the caller override. */
function fromLlmuxResult(json: unknown, meta: ResultMeta): Conversion {
  const result = parseOrThrow(ResultSchema, json);
  if (meta.name !== undefined) result.name = meta.name;
  if (meta.target !== undefined) result.target = meta.target;
  if (meta.scenario !== undefined) result.scenario = meta.scenario;
  if (meta.engine !== undefined) result.engine = meta.engine;
  return { result, warnings: [] };
}

const round = (n: number) => Math.round(n);

function fromNormalized(sum: NormSummary, meta: ResultMeta): Conversion {
  const warnings: string[] = [];
  const warn = (text: string) => warnings.push(text);
  const llmux = sum.llmux;
  const phase = measurePhase(sum, warn);
  const metric = phase.active ? measuredMetricReader(sum, warn) : (name: string) => sum.metrics.get(name);

  // Requests: total, failed, success.
  const httpReqs = metric('http_reqs');
  if (!httpReqs || httpReqs.values.count === undefined) {
    throw new InputError('metrics.http_reqs', 'missing (the run made no HTTP requests, or this is not an HTTP test)');
  }
  const total = round(httpReqs.values.count);
  const llmErrors = metric('llm_errors');
  const httpFailed = metric('http_req_failed');
  const okDuration = metric('http_req_duration{expected_response:true}');
  let failed: number | null;
  if (llmErrors) {
    failed = round(llmErrors.values.count ?? 0);
    const httpFailedCount = httpFailed?.values.passes;
    if (httpFailedCount !== undefined && httpFailedCount > failed) {
      warn(`failed_requests: llm_errors (${failed}) counts fewer failures than http_req_failed (${httpFailedCount})`);
    }
  } else if (httpFailed && httpFailed.values.passes !== undefined) {
    // A "pass" of the http_req_failed Rate is a failed request.
    failed = round(httpFailed.values.passes);
  } else if (llmux) {
    failed = 0; // our scripts count every failure in llm_errors; k6 omits a counter that never moved
  } else if (okDuration?.values.count !== undefined) {
    failed = total - round(okDuration.values.count);
  } else {
    failed = null;
    warn('failed_requests: unknown (no http_req_failed or llm_errors metric); success_requests, rps and error_rate are null');
  }
  if (failed !== null && failed > total) {
    warn(`failed_requests: ${failed} exceeds total_requests ${total}; capped`);
    failed = total;
  }
  const success = failed === null ? null : total - failed;

  // Wall time and timestamps.
  const startNs = pickTime(meta.start_time ?? llmux?.start_time ?? null);
  let endNs = pickTime(meta.end_time ?? llmux?.end_time ?? null);
  // A Counter's rate is over the whole test time (warm-up included), so count / rate is too.
  let runNs: number | null = null;
  if (sum.testRunDurationMs !== null) runNs = msToNs(sum.testRunDurationMs);
  else if (startNs !== null && endNs !== null && endNs >= startNs) runNs = Number(endNs - startNs);
  else if (httpReqs.values.rate && httpReqs.values.rate > 0) {
    runNs = Math.round((httpReqs.values.count / httpReqs.values.rate) * 1e9);
    warn('duration: derived from http_reqs count / rate (the summary has no test run duration)');
  } else warn('duration: unknown (the summary has no test run duration); rps is null');
  // With a warm-up inside the run, duration and rps cover the measured part only.
  let durationNs = runNs;
  if (phase.active && runNs !== null) {
    if (phase.warmupS === null) {
      durationNs = null;
      warn('duration: null (measured {phase:measure} numbers, but the warm-up length is unknown: no llmux.warmup_s); rps is null');
    } else {
      durationNs = runNs - Math.round(phase.warmupS * 1e9);
      if (durationNs <= 0) {
        warn(`duration: null (test run ${runNs / 1e9} s is not longer than the ${phase.warmupS} s warm-up); rps is null`);
        durationNs = null;
      }
    }
  }
  let start = startNs;
  if (start === null && sum.generatedAt && runNs !== null) {
    endNs = epochNs(sum.generatedAt);
    if (endNs !== null) {
      start = endNs - BigInt(runNs);
      warn('start_time: derived as metadata.generatedAt − config.duration');
    }
  }
  if (start !== null && endNs === null && runNs !== null) endNs = start + BigInt(runNs);
  if (start === null) warn('start_time, end_time: unknown (the summary carries no times)');
  let startText = meta.start_time ?? llmux?.start_time ?? (start !== null ? formatEpochNs(start) : null);
  let endText = meta.end_time ?? llmux?.end_time ?? (endNs !== null ? formatEpochNs(endNs) : null);
  // As the Go runner: the times bound what duration measures, so with a warm-up inside the run
  // start_time is the end of the warm-up and end_time − start_time == duration.
  if (phase.active && phase.warmupS !== null && durationNs !== null && start !== null && meta.start_time == null && meta.end_time == null) {
    const measuredStart = start + BigInt(Math.round(phase.warmupS * 1e9));
    startText = formatEpochNs(measuredStart);
    endText = formatEpochNs(measuredStart + BigInt(durationNs));
  }

  const seconds = durationNs !== null && durationNs > 0 ? durationNs / 1e9 : null;
  const rps = success !== null && seconds !== null ? success / seconds : null;

  // Latency of successful requests. A Trend nothing was added to shows zeros in a summary: with no
  // successful request there is no latency to report.
  let latencySource: NormMetric | undefined = okDuration;
  let latencyName = 'http_req_duration{expected_response:true}';
  if (success === 0) {
    latencySource = undefined;
    warn('latency_*: null (no successful requests)');
  } else if (!latencySource) {
    latencySource = metric('http_req_duration');
    latencyName = 'http_req_duration';
    if (latencySource && failed !== 0) {
      warn('latency_*: from http_req_duration, which includes failed requests (no http_req_duration{expected_response:true} in the summary)');
    }
    if (!latencySource) warn('latency_*: null (no http_req_duration metric)');
  }
  const lat = (stat: string, field: string) => (success === 0 ? null : trendStat(latencySource, latencyName, stat, field, warn));

  // Latency of failed requests (k6's expected_response:false: non-2xx answers, timeouts, refused
  // connections), so slow failures stay visible.
  const failedLatency = failedLatencyOf(metric('http_req_duration{expected_response:false}'), httpFailed?.values.passes, failed, warn);

  // Streaming.
  const streamingPresent = ['ttft', 'itl', 'tokens_per_second', 'output_tokens', 'stream_ok'].some((n) => sum.metrics.has(n));
  const scenario = meta.scenario ?? llmux?.scenario ?? null;
  let streaming: Streaming | null = null;
  if (streamingPresent || scenario === 'streaming') {
    const ttft = metric('ttft');
    const itl = metric('itl');
    const tps = metric('tokens_per_second');
    // Timing metrics come from successful streams only: with none, nothing was measured.
    // A stream is one request: never more successful streams than successful requests.
    const counts = [metric('stream_ok')?.values.passes, ttft?.values.count, success ?? undefined].filter((n) => n !== undefined);
    const okStreams = counts.length ? Math.min(...counts) : null;
    if (okStreams === 0) warn('streaming ttft, itl, tokens_per_second: null (no successful streams)');
    const t = (m: NormMetric | undefined, name: string, stat: string, field: string) =>
      okStreams === 0 ? null : trendStat(m, name, stat, field, warn);
    streaming = {
      ttft_p50: t(ttft, 'ttft', 'p50', 'streaming.ttft_p50'),
      ttft_p90: t(ttft, 'ttft', 'p(90)', 'streaming.ttft_p90'),
      ttft_p95: t(ttft, 'ttft', 'p(95)', 'streaming.ttft_p95'),
      ttft_p99: t(ttft, 'ttft', 'p(99)', 'streaming.ttft_p99'),
      ttft_mean: t(ttft, 'ttft', 'avg', 'streaming.ttft_mean'),
      itl_p50: t(itl, 'itl', 'p50', 'streaming.itl_p50'),
      itl_p95: t(itl, 'itl', 'p(95)', 'streaming.itl_p95'),
      itl_p99: t(itl, 'itl', 'p(99)', 'streaming.itl_p99'),
      itl_mean: t(itl, 'itl', 'avg', 'streaming.itl_mean'),
      tokens_per_second_p50: t(tps, 'tokens_per_second', 'p50', 'streaming.tokens_per_second_p50'),
      tokens_per_second_mean: t(tps, 'tokens_per_second', 'avg', 'streaming.tokens_per_second_mean'),
      output_tokens: metric('output_tokens')?.values.count !== undefined ? round(metric('output_tokens')!.values.count) : llmux ? 0 : null,
      stream_ok_rate: metric('stream_ok')?.values.rate ?? null,
      // Counted apart from failures by scenarios that check usage; absent (not measured) → null.
      usage_mismatch: metric('usage_mismatch')?.values.count !== undefined ? round(metric('usage_mismatch')!.values.count) : null,
    };
    if (!metric('stream_ok')) warn('streaming.stream_ok_rate: null (no stream_ok metric)');
  }

  // Errors by kind.
  let errors: Result['errors'] = null;
  const kindCounters = [...sum.metrics.keys()].filter((n) => /^llm_errors_[a-z0-9_]+$/.test(n));
  if (llmErrors || llmux || kindCounters.length > 0) {
    errors = Object.fromEntries(ERROR_KINDS.map((kind) => [kind, 0])) as NonNullable<Result['errors']>;
    for (const name of kindCounters) errors[name.slice('llm_errors_'.length)] = round(metric(name)!.values.count ?? 0);
  }

  // Checks and thresholds.
  let checks: Result['checks'] = null;
  if (sum.checks && sum.checks.length > 0) {
    checks = {
      passes: sum.checks.reduce((a, c) => a + c.passes, 0),
      fails: sum.checks.reduce((a, c) => a + c.fails, 0),
      by_name: sum.checks.map((c) => ({ name: c.name, group: c.group, passes: c.passes, fails: c.fails })),
    };
    if (phase.active && metric('checks')?.values.passes !== undefined) {
      // Per-check counts in root_group include the warm-up; the measured totals do not.
      const values = metric('checks')!.values;
      checks = { passes: round(values.passes), fails: round(values.fails ?? 0) };
      warn('checks.by_name: omitted (per-check counts include the warm-up; passes and fails are the measured ones)');
    }
  } else if (metric('checks')?.values.passes !== undefined) {
    const values = metric('checks')!.values;
    checks = { passes: round(values.passes), fails: round(values.fails ?? 0) };
  }
  let thresholds: Result['thresholds'] = null;
  if (sum.format !== 'k6-machine-readable') {
    thresholds = [];
    for (const [name, m] of sum.metrics) {
      for (const t of m.thresholds ?? []) if (!(t.ok && isPlaceholderThreshold(t.expression))) thresholds.push({ metric: name, expression: t.expression, ok: t.ok });
    }
    thresholds.sort((a, b) => a.metric.localeCompare(b.metric) || a.expression.localeCompare(b.expression));
  }

  // Load model.
  // Iterations the warm-up dropped are not the measured load's: read the measured phase's own
  // submetric when the script shows it, else the whole run with a warning.
  let dropped = sum.metrics.get('dropped_iterations');
  if (phase.active) {
    const measured = sum.metrics.get(measuredName('dropped_iterations'));
    if (measured) dropped = measured;
    else if (dropped) warn(`load.dropped_iterations: includes the warm-up (no ${measuredName('dropped_iterations')} in the summary)`);
  }
  let load: Result['load'] = null;
  if (llmux || dropped || phase.active) {
    const rate = llmux?.rate ?? null;
    const open = (rate !== null && rate > 0) || dropped !== undefined;
    load = {
      model: open ? 'open' : 'closed',
      offered_rps: rate !== null && rate > 0 ? rate : null,
      achieved_rps: rps,
      dropped_iterations: dropped ? round(dropped.values.count ?? 0) : 0,
      warmup_seconds: meta.warmup_seconds ?? phase.warmupS,
    };
  }

  // Configuration of the run.
  // A run bounded by time (DURATION, or the concurrency scenario's plateau plan) ignores REQUESTS:
  // LLMux's format records 0 requests asked for, as the runner does.
  const timeBound = llmux !== undefined && llmux !== null && ((llmux.duration_s ?? 0) > 0 || llmux.scenario === 'concurrency');
  let requests = meta.requests ?? (timeBound ? 0 : (llmux?.requests ?? null));
  if (requests === null) warn('requests: unknown (not in the summary; pass it from the runner)');
  else requests = round(requests);
  let concurrency = meta.concurrency ?? llmux?.concurrency ?? null;
  if (concurrency === null) {
    const vusMax = metric('vus_max')?.values.max ?? metric('vus_max')?.values.value;
    if (vusMax !== undefined) {
      concurrency = round(vusMax);
      warn(`concurrency: taken from vus_max (${concurrency})`);
    } else warn('concurrency: unknown (no llmux key and no vus_max metric)');
  } else concurrency = round(concurrency);

  const engine = meta.engine ?? (sum.k6Version ? { name: 'k6', version: sum.k6Version } : null);
  const baseline = meta.baseline;

  const result: Result = {
    name: meta.name ?? llmux?.name ?? DEFAULT_NAME,
    target: meta.target ?? llmux?.target ?? '',
    start_time: startText,
    end_time: endText,
    duration: durationNs,
    requests,
    concurrency,
    total_requests: total,
    success_requests: success,
    failed_requests: failed,
    rps,
    latency_min: lat('min', 'latency_min'),
    latency_max: lat('max', 'latency_max'),
    latency_mean: lat('avg', 'latency_mean'),
    latency_p50: lat('p50', 'latency_p50'),
    latency_p95: lat('p(95)', 'latency_p95'),
    latency_p99: lat('p(99)', 'latency_p99'),
    failed_latency_p50: failedLatency.p50,
    failed_latency_p99: failedLatency.p99,
    schema_version: SCHEMA_VERSION,
    scenario,
    engine,
    latency_p90: lat('p(90)', 'latency_p90'),
    error_rate: failed !== null && total > 0 ? failed / total : null,
    errors,
    checks,
    thresholds,
    streaming,
    load,
    memory: meta.memory ?? null,
    cpu: meta.cpu ?? null,
    rig: meta.rig ?? null,
    baseline_file: meta.baseline_file ?? null,
    overhead: null,
    repeat: meta.repeat ?? null,
    mock: meta.mock ?? null,
    environment: meta.environment ?? null,
    partial: meta.partial ?? null,
    plateaus: readPlateaus(sum, llmux, warn),
    points_file: meta.points_file ?? null,
    source: { format: sum.format, file: meta.sourceFile ?? null },
    warnings,
  };
  if (!result.target) warn('target: unknown (not in the summary; pass --target)');
  result.overhead = meta.overhead ?? (baseline ? overheadOf(result, baseline) : null);
  if (baseline && !meta.baseline_file && baseline.source?.file) result.baseline_file = baseline.source.file;
  return { result: parseOrThrow(ResultSchema, result, '(result)'), warnings };
}

const MEASURE_TAG = 'phase:measure';

/**
 * Always-true thresholds the scripts set only so that k6 shows a submetric in the summary
 * (`max>=0`, `rate>=0`, `count>=0`): no criterion of the run, so left out of `thresholds`.
 */
export function isPlaceholderThreshold(expression: string): boolean {
  return /^\s*(max|rate|count)\s*>=\s*0\s*$/.test(expression);
}

/**
 * A warm-up inside the run (WARMUP=<dur>): the scripts tag every sample `phase:warmup` or
 * `phase:measure` and expose `<metric>{phase:measure}` submetrics; the plain metrics include the
 * warm-up. Active when such submetrics exist; warmupS is the warm-up length when known.
 */
function measurePhase(sum: NormSummary, warn: (text: string) => void): { active: boolean; warmupS: number | null } {
  // Only the script knows its in-run warm-up; ResultMeta.warmup_seconds is a separate warm-up run.
  const warmupS = sum.llmux?.warmup_s ?? null;
  const active = [...sum.metrics.keys()].some((name) => name.endsWith(`${MEASURE_TAG}}`));
  if (!active && warmupS !== null && warmupS > 0) {
    warn(`warm-up: llmux.warmup_s is ${warmupS} but the summary has no {${MEASURE_TAG}} submetrics; the numbers include the warm-up`);
  }
  return { active, warmupS };
}

/** `m` → `m{phase:measure}`, `m{a:b}` → `m{a:b,phase:measure}` (k6 keeps the selector's tag order). */
export function measuredName(name: string): string {
  return name.endsWith('}') ? `${name.slice(0, -1)},${MEASURE_TAG}}` : `${name}{${MEASURE_TAG}}`;
}

// Metrics about the load generator itself, not the requests: never split by phase
// (dropped_iterations has its own measured-phase reading in the load block).
const WHOLE_RUN_METRICS = new Set(['vus', 'vus_max', 'dropped_iterations', 'data_sent', 'data_received']);

/** Reads `<metric>{phase:measure}`, falling back (with one warning) to the plain metric. */
function measuredMetricReader(sum: NormSummary, warn: (text: string) => void): (name: string) => NormMetric | undefined {
  const warned = new Set<string>();
  return (name) => {
    if (WHOLE_RUN_METRICS.has(name)) return sum.metrics.get(name);
    const measured = sum.metrics.get(measuredName(name));
    if (measured) return measured;
    const plain = sum.metrics.get(name);
    if (plain && !warned.has(name)) {
      warned.add(name);
      warn(`${name}: includes the warm-up (no ${measuredName(name)} in the summary)`);
    }
    return plain;
  };
}

function pickTime(text: string | null): bigint | null {
  return text === null ? null : epochNs(text);
}

/**
 * p50 and p99 of `http_req_duration{expected_response:false}`; null when no failed request had a
 * latency. How many did: http_req_failed's passes, else the submetric's count, else none when
 * nothing failed. Unknown with all-zero statistics is an empty Trend.
 */
function failedLatencyOf(
  duration: NormMetric | undefined,
  httpFailedCount: number | undefined,
  failed: number | null,
  warn: (text: string) => void,
): { p50: number | null; p99: number | null } {
  const none = { p50: null, p99: null };
  let withLatency = httpFailedCount ?? duration?.values.count ?? (failed === 0 ? 0 : null);
  if (!duration) {
    if (withLatency !== 0 && failed !== 0) warn('failed_latency_*: null (no http_req_duration{expected_response:false} in the summary)');
    return none;
  }
  if (withLatency === null && Object.values(duration.values).every((value) => value === 0)) withLatency = 0;
  if (withLatency === 0) return none;
  const name = 'http_req_duration{expected_response:false}';
  return { p50: trendStat(duration, name, 'p50', 'failed_latency_p50', warn), p99: trendStat(duration, name, 'p(99)', 'failed_latency_p99', warn) };
}

/**
 * One statistic of a Trend in the result's unit: integer ns for time metrics, the plain number
 * otherwise. "p50" reads p(50) or med. Absent → null with a warning naming the field.
 */
function trendStat(
  metric: NormMetric | undefined,
  metricName: string,
  stat: string,
  field: string,
  warn: (text: string) => void,
): number | null {
  if (!metric) {
    warn(`${field}: null (no ${metricName} metric in the summary)`);
    return null;
  }
  if (metric.values.count === 0) return null; // an empty Trend shows zeros
  const value = stat === 'p50' ? (metric.values['p(50)'] ?? metric.values.med) : metric.values[stat];
  if (value === undefined) {
    const key = stat === 'p50' ? 'p(50) or med' : stat;
    warn(`${field}: null (${metricName} has no ${key}; add it to summaryTrendStats)`);
    return null;
  }
  if (metric.contains !== 'time') return value;
  return msToNs(value); // the input schemas refuse negative times
}

const PLATEAU_KEY = /^([a-z_]+)\{plateau:(\d+)\}$/;

/** Per-plateau numbers from `<metric>{plateau:<vus>}` submetrics (concurrency scenario), by vus. */
function readPlateaus(sum: NormSummary, llmux: LlmuxKey | null, warn: (text: string) => void): Plateau[] | null {
  const byVus = new Map<number, Map<string, NormMetric>>();
  for (const [name, m] of sum.metrics) {
    const match = PLATEAU_KEY.exec(name);
    if (!match) continue;
    const vus = Number(match[2]);
    if (!byVus.has(vus)) byVus.set(vus, new Map());
    byVus.get(vus)!.set(match[1], m);
  }
  if (byVus.size === 0) return null;
  const levels = [...byVus.keys()].filter((vus) => vus > 0).sort((a, b) => a - b);
  const holds = plateauHolds(llmux, levels, warn);
  const quiet = () => {};
  return levels.map((vus) => {
    const ms = byVus.get(vus)!;
    const duration = ms.get('http_req_duration');
    const reqs = ms.get('http_reqs')?.values.count;
    const total = reqs !== undefined ? Math.round(reqs) : (duration?.values.count ?? null);
    // llm_errors counts what http_req_failed misses (timeouts, bad bodies), as for the whole run.
    const failedCount = ms.get('llm_errors')?.values.count ?? ms.get('http_req_failed')?.values.passes;
    const failed = failedCount !== undefined && total !== null ? Math.min(Math.round(failedCount), total) : null;
    // A plateau where nothing succeeded has only failures' latencies: not a latency of the gateway.
    const noSuccess = total !== null && failed !== null && total - failed === 0;
    const stat = (s: string, field: string) =>
      noSuccess ? null : trendStat(duration, `http_req_duration{plateau:${vus}}`, s, `plateaus[${vus}].${field}`, duration ? warn : quiet);
    const hold = holds?.get(vus) ?? null;
    return {
      vus,
      total_requests: total,
      failed_requests: failed,
      latency_p50: stat('p50', 'latency_p50'),
      latency_p95: stat('p(95)', 'latency_p95'),
      latency_p99: stat('p(99)', 'latency_p99'),
      error_rate: failed !== null && total !== null && total > 0 ? failed / total : null,
      hold_seconds: hold,
      rps: hold !== null && total !== null && failed !== null ? (total - failed) / hold : null,
    };
  });
}

/**
 * Hold length of each plateau, in seconds, from the concurrency scenario's plateau plan
 * (CONCURRENCY and DURATION as recorded in the llmux key). null, with a warning, when the
 * summary does not say or its plateaus are not the plan's.
 */
function plateauHolds(llmux: LlmuxKey | null, levels: number[], warn: (text: string) => void): Map<number, number> | null {
  const concurrency = llmux?.concurrency;
  const durationS = llmux?.duration_s;
  if (llmux?.scenario !== 'concurrency' || concurrency == null || concurrency < 1 || durationS == null) {
    warn('plateaus[].rps: null (needs llmux.scenario "concurrency", llmux.concurrency and llmux.duration_s to know the hold times)');
    return null;
  }
  const plan = plateauPlan(Math.round(concurrency), Math.round(durationS * 1000));
  const planned = plan.map((p) => p.vus);
  if (planned.join(',') !== levels.join(',')) {
    warn(`plateaus[].rps: null (plateaus ${levels.join(', ')} are not the plan for concurrency ${concurrency}: ${planned.join(', ')})`);
    return null;
  }
  return new Map(plan.map((p) => [p.vus, (p.endMs - p.holdStartMs) / 1000]));
}

const OVERHEAD_FIELDS = ['latency_p50', 'latency_p90', 'latency_p95', 'latency_p99', 'latency_mean'] as const;
const STREAM_OVERHEAD_FIELDS = ['ttft_p50', 'ttft_p95', 'ttft_p99'] as const;

/** this run − baseline per percentile, integer ns; null where either side was not measured. */
export function overheadOf(run: Result, baseline: Result): NonNullable<Result['overhead']> {
  const diff = (a: number | null | undefined, b: number | null | undefined) =>
    a === null || a === undefined || b === null || b === undefined ? null : a - b;
  const out: Record<string, number | null> = {};
  for (const field of OVERHEAD_FIELDS) out[field] = diff(run[field], baseline[field]);
  for (const field of STREAM_OVERHEAD_FIELDS) out[field] = diff(run.streaming?.[field], baseline.streaming?.[field]);
  return out as NonNullable<Result['overhead']>;
}
