// Comparison of results: one model (rows of metrics × runs with the reference run, Δ and ratio,
// the better value, gates and setting mismatches) that every renderer draws from.
//
// Reference: the --baseline result when given (shown first, and each run's overhead is computed
// against it), else the first run. Δ and ratio are the last run against the reference, and so are
// the --fail-on gates.
import { overheadOf } from './from-summary.ts';
import { evaluateGate, parseGates, type Gate, type GateResult } from './gates.ts';
import { METRICS, type Direction, type MetricDef, type Unit } from './metrics.ts';
import type { Plateau, Result } from './schema.ts';

export interface CompareInput {
  result: Result;
  /** Where it came from (shown and used to tell runs with the same name apart). */
  file?: string | null;
}

export interface CompareOptions {
  baseline?: CompareInput | Result;
  /** Parsed gates, or the --fail-on text. */
  failOn?: Gate[] | string;
  /** Mismatched settings become errors (exit 2) rather than warnings. */
  strict?: boolean;
}

export interface RunInfo {
  label: string;
  file: string | null;
  name: string;
  target: string;
  scenario: string | null;
  engine: string | null;
  start_time: string | null;
  total_requests: number;
  concurrency: number | null;
  is_baseline: boolean;
}

export interface Row {
  key: string;
  label: string;
  unit: Unit;
  better: Direction;
  group: MetricDef['group'];
  values: (number | null)[];
  /** Index of the better value among the runs (null when fewer than two values or all equal). */
  best: number | null;
  /** Last run − reference. */
  delta: number | null;
  /** Last run / reference. */
  ratio: number | null;
  /** Whether the last run is better or worse than the reference on this metric. */
  verdict: 'better' | 'worse' | 'same' | null;
}

export interface Mismatch {
  setting: string;
  values: (string | null)[];
}

export interface Comparison {
  runs: RunInfo[];
  /** Index into runs of the reference. */
  reference: number;
  rows: Row[];
  mismatches: Mismatch[];
  strict: boolean;
  gates: GateResult[];
  /** true when every gate held. */
  ok: boolean;
  /** Notes for people: mismatches, notes about missing data. */
  warnings: string[];
  /** Per-plateau numbers of each run that has them (concurrency scenario), in column order. */
  plateaus: { label: string; plateaus: Plateau[] }[];
  /** The results compared, in column order (for the HTML charts). */
  results: Result[];
}

const asInput = (item: CompareInput | Result): CompareInput => ('result' in item && !('total_requests' in item) ? (item as CompareInput) : { result: item as Result });

/** Compares results (or {result, file} pairs, so labels can fall back to file names). */
export function compareResults(items: (CompareInput | Result)[], options: CompareOptions = {}): Comparison {
  if (items.length === 0) throw new Error('nothing to compare');
  const inputs = items.map(asInput);
  const baselineInput = options.baseline ? asInput(options.baseline) : undefined;
  const failOn = typeof options.failOn === 'string' ? parseGates(options.failOn) : (options.failOn ?? []);
  const all = baselineInput ? [baselineInput, ...inputs] : inputs;
  const reference = 0;
  const results = all.map((input, i) => {
    const r = input.result;
    // With a baseline, each run's overhead is measured against it (the baseline's own is zero).
    if (baselineInput && i > 0) return { ...r, overhead: overheadOf(r, baselineInput.result) };
    return r;
  });
  const labels = labelRuns(all);
  const runs: RunInfo[] = all.map((input, i) => ({
    label: labels[i],
    file: input.file ?? null,
    name: input.result.name,
    target: input.result.target,
    scenario: input.result.scenario ?? null,
    engine: input.result.engine ? `${input.result.engine.name}${input.result.engine.version ? ` ${input.result.engine.version}` : ''}` : null,
    start_time: input.result.start_time,
    total_requests: input.result.total_requests,
    concurrency: input.result.concurrency,
    is_baseline: Boolean(baselineInput) && i === 0,
  }));

  const last = results.length - 1;
  const rows: Row[] = [];
  for (const metric of METRICS) {
    const values = results.map((r) => {
      const value = metric.read(r);
      return value === null || Number.isNaN(value) ? null : value;
    });
    if (values.every((value) => value === null)) continue;
    if (metric.group === 'overhead' && baselineInput) values[0] = null; // baseline vs itself says nothing
    const from = values[reference];
    const to = values[last];
    const delta = from !== null && to !== null && last !== reference ? to - from : null;
    const ratio = delta !== null && from !== null && to !== null ? (from === 0 ? (to === 0 ? 1 : Infinity) : to / from) : null;
    let verdict: Row['verdict'] = null;
    if (delta !== null) verdict = delta === 0 ? 'same' : (delta < 0) === (metric.better === 'lower') ? 'better' : 'worse';
    rows.push({ key: metric.key, label: metric.label, unit: metric.unit, better: metric.better, group: metric.group, values, best: bestIndex(values, metric.better), delta, ratio, verdict });
  }

  const mismatches = findMismatches(results);
  const warnings = mismatches.map(
    (m) => `runs differ in ${m.setting} (${m.values.map((v, i) => `${labels[i]}: ${v ?? '?'}`).join(', ')}): the diff may mislead`,
  );

  const gates = failOn.map((gate) => {
    const row = rows.find((r) => r.key === gate.metric.key);
    const from = row ? row.values[reference] : null;
    const to = row ? row.values[last] : null;
    if (last === reference) {
      return { gate: gate.text, metric: gate.metric.key, ok: false, from, to, message: `${gate.text}: cannot evaluate, one result and no --baseline` };
    }
    if (gate.metric.group === 'overhead' && baselineInput) {
      // The baseline's overhead over itself is 0: the gate limits the last run's overhead.
      if (gate.kind === 'relative') {
        return { gate: gate.text, metric: gate.metric.key, ok: false, from: 0, to, message: `${gate.text}: cannot evaluate, overhead over --baseline starts at 0: give a time limit (e.g. ${gate.metric.key}:+5ms)` };
      }
      return evaluateGate(gate, 0, to, labels[reference], labels[last]);
    }
    return evaluateGate(gate, from, to, labels[reference], labels[last]);
  });

  const plateaus = results.flatMap((r, i) => (r.plateaus && r.plateaus.length ? [{ label: labels[i], plateaus: r.plateaus }] : []));
  return { runs, reference, rows, mismatches, strict: Boolean(options.strict), gates, ok: gates.every((g) => g.ok), warnings, plateaus, results };
}

function bestIndex(values: (number | null)[], better: Direction): number | null {
  let best: number | null = null;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null) continue;
    count++;
    if (best === null || (better === 'lower' ? value < values[best]! : value > values[best]!)) best = i;
  }
  if (count < 2 || best === null) return null;
  const top = values[best];
  return values.filter((value) => value === top).length > 1 ? null : best;
}

/** Run labels: the result name, or name + file when names repeat. */
function labelRuns(inputs: CompareInput[]): string[] {
  const names = inputs.map((input) => input.result.name);
  return inputs.map((input, i) => {
    const name = names[i];
    if (names.filter((n) => n === name).length === 1) return name;
    const file = input.file ? input.file.replace(/^.*[\\/]/, '').replace(/\.json$/, '') : null;
    return file && file !== name ? file : `${name} #${i + 1}`;
  });
}

/** Settings that make a diff mislead when they differ. Unknown (null) values are not compared. */
function findMismatches(results: Result[]): Mismatch[] {
  const settings: [string, (r: Result) => string | null][] = [
    ['scenario', (r) => r.scenario ?? null],
    ['concurrency', (r) => (r.concurrency === null || r.concurrency === undefined ? null : String(r.concurrency))],
    ['requests', (r) => (r.requests === null || r.requests === undefined ? null : String(r.requests))],
    ['load model', (r) => r.load?.model ?? null],
    ['offered rate', (r) => (r.load ? (r.load.offered_rps === null ? 'none' : `${r.load.offered_rps}/s`) : null)],
    ['mock settings', (r) => (r.mock ? stableJson(r.mock) : null)],
    ['streaming', (r) => (r.scenario === undefined && r.streaming === undefined ? null : r.streaming ? 'yes' : 'no')],
    ['capacity SLO', (r) => (r.capacity ? sloText(r.capacity.slo) : null)],
  ];
  // Capacity sweeps pick their own rates and VUs: their capacities compare, their best steps' loads need not.
  const sweeps = results.every((r) => r.capacity);
  const perStep = new Set(['concurrency', 'requests', 'offered rate']);
  const out: Mismatch[] = [];
  for (const [setting, read] of settings) {
    if (sweeps && perStep.has(setting)) continue;
    const values = results.map(read);
    const known = values.filter((value) => value !== null);
    if (new Set(known).size > 1) out.push({ setting, values });
  }
  // Different scenarios already say the runs stream differently.
  if (out.some((m) => m.setting === 'scenario')) return out.filter((m) => m.setting !== 'streaming');
  return out;
}

function sloText(slo: NonNullable<Result['capacity']>['slo']): string {
  return `p99 <= ${slo.p99_ms.toFixed(1)} ms, errors <= ${(slo.error_rate * 100).toFixed(2)}%${slo.ttft_p99_ms !== null ? `, TTFT p99 <= ${slo.ttft_p99_ms} ms` : ''}`;
}

function stableJson(value: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b))));
}
