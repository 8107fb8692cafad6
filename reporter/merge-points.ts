// The NDJSON points (`k6 run --out json=FILE`) of one test split over machines with
// --execution-segment → the handleSummary data one run producing all the points would have had.
// Points are replayed into the engine's metric registry (Trends keep every sample, so percentiles
// are exact), checks into its group tree, and the thresholds of the Metric lines are evaluated
// over the merged metrics. Files are streamed line by line; memory grows with Trend samples only.
import { GroupTree } from '../engine/metrics/groups.ts';
import { METRIC_TYPES, type Metric, type MetricType, type ValueType } from '../engine/metrics/metric.ts';
import { DEFAULT_SUBMETRIC, MetricRegistry } from '../engine/metrics/registry.ts';
import { buildSummaryData, type SummaryData } from '../engine/metrics/summary.ts';
import { parseThresholds, type ThresholdInput } from '../engine/metrics/thresholds.ts';
import { InputError, resultFromSummary, type Conversion, type ResultMeta } from './from-summary.ts';
import { MAX_LINE_BYTES, readLines } from './ndjson-lines.ts';
import { InputFileError } from './read.ts';
import { epochNs, formatEpochNs } from './time.ts';

/** The statistics our scenarios ask k6 for: what the result's percentiles read. */
export const MERGED_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(50)', 'p(90)', 'p(95)', 'p(99)', 'count'];

const VALUE_TYPES: readonly ValueType[] = ['default', 'time', 'data'];

export interface MergedRun {
  /** handleSummary data of the merged run. */
  summary: SummaryData;
  /** First and last point across all files, RFC 3339 in UTC at ns precision. */
  start_time: string;
  end_time: string;
  files: string[];
  /** Points read, per file, in the order given. */
  points: number[];
  /** Peak of each file's vus_max gauge (null without one): the VUs each machine ran. */
  vus_max: (number | null)[];
  warnings: string[];
}

/** A metric as a file's Metric line declares it; every file must declare it alike. */
interface Declaration {
  file: string;
  type: MetricType;
  contains: ValueType;
  submetrics: string[];
  thresholds: ThresholdInput[];
}

/** A point's time: epoch ms for ordering, and the text for exact start and end times. */
interface PointTime {
  ms: number;
  text: string;
}

/**
 * The NDJSON points files of one run (split with --execution-segment, or whole) → one result, as
 * `report` would make it from that run's summary. The files are the result's source; a single
 * file is also its points_file (the format records one, and one part's time series would mislead).
 */
export async function loadMergedResult(files: string[], meta: ResultMeta = {}): Promise<Conversion> {
  const run = await mergePoints(files);
  const warnings = [...run.warnings];
  // Execution segments split the VUs: the run's concurrency is the sum of every part's peak.
  const peaks = run.vus_max.filter((n) => n !== null);
  let concurrency: number | undefined;
  if (files.length > 1 && peaks.length === files.length && meta.concurrency === undefined) {
    concurrency = peaks.reduce((a, b) => a + b, 0);
    warnings.push(`concurrency: ${concurrency}, the sum of each file's vus_max peak (${peaks.join(' + ')})`);
  }
  let conversion: Conversion;
  try {
    conversion = resultFromSummary(run.summary, {
      ...meta,
      ...(concurrency !== undefined && { concurrency }),
      start_time: run.start_time,
      end_time: run.end_time,
      ...(files.length === 1 && { points_file: files[0] }),
    });
  } catch (error) {
    if (error instanceof InputError) throw new InputFileError(error.inFile(files.join(', ')));
    throw error;
  }
  const result = conversion.result;
  result.source = { format: 'k6-ndjson', file: files.join(', ') };
  result.warnings = [...warnings, ...conversion.warnings];
  return { result, warnings: result.warnings };
}

export async function mergePoints(files: string[]): Promise<MergedRun> {
  const registry = new MetricRegistry({ exactTrends: true });
  const checks = new Map<string, { group: string; name: string; passes: number; fails: number; firstMs: number }>();
  const declared = new Map<string, Declaration>();
  const latestGauge = new Map<Metric, { ms: number; value: number }>();
  const span: { first: PointTime | null; last: PointTime | null } = { first: null, last: null };
  const points: number[] = [];
  const vusMax: (number | null)[] = [];
  const spans: { first: number; last: number }[] = [];
  const clock = new PointClock();

  for (const file of files) {
    const inFile = new Set<string>(); // metrics this file declared so far
    let lineNo = 0;
    let count = 0;
    let fileVusMax: number | null = null;
    const fileSpan = { first: Infinity, last: -Infinity };
    const fail = (detail: string): never => {
      throw new InputFileError(`${file}: line ${lineNo}: ${detail}`);
    };
    const onLine = (buf: Buffer, start: number, end: number): void => {
      lineNo++;
      if (end > start && buf[end - 1] === 0x0d) end--; // CRLF
      if (end <= start) return;
      let json: unknown;
      try {
        json = JSON.parse(buf.toString('utf8', start, end));
      } catch {
        fail('not a k6 --out json line (not JSON)');
      }
      const line = json as { type?: unknown; metric?: unknown; data?: Record<string, unknown> } | null;
      if (!line || typeof line !== 'object' || Array.isArray(line) || (line.type !== 'Metric' && line.type !== 'Point')) {
        fail('not a k6 --out json line (no "type": "Metric" or "Point")');
      }
      const data = line!.data;
      if (!data || typeof data !== 'object') fail(`a ${String(line!.type)} line without "data"`);
      if (line!.type === 'Metric') {
        const decl = readDeclaration(data!, file, fail);
        const name = data!.name as string;
        declare(name, decl, fail);
        inFile.add(name);
        return;
      }
      const name = line!.metric;
      if (typeof name !== 'string') return fail('a Point line without "metric"');
      // k6 writes a metric's Metric line before its first point: anything else is not its output.
      if (!inFile.has(name)) fail(`a point of "${name}" before its Metric line`);
      const { time, value } = data!;
      const tags = (data!.tags ?? {}) as Record<string, string>;
      if (typeof value !== 'number' || !Number.isFinite(value)) fail(`point of "${name}": "value" is not a number`);
      if (typeof tags !== 'object' || Array.isArray(tags)) fail(`point of "${name}": "tags" is not an object`);
      const ms = typeof time === 'string' ? clock.ms(time) : NaN;
      if (Number.isNaN(ms)) fail(`point of "${name}": "time" is not an RFC 3339 time (${JSON.stringify(time)})`);
      const at = { ms, text: time as string };
      if (span.first === null || ms < span.first.ms) span.first = at;
      if (span.last === null || ms >= span.last.ms) span.last = at;
      if (ms < fileSpan.first) fileSpan.first = ms;
      if (ms > fileSpan.last) fileSpan.last = ms;
      const metric = registry.get(name)!;
      registry.addTo(metric, value as number, tags);
      if (metric.type === 'gauge') keepLatest(metric, ms, value as number, tags);
      if (name === 'vus_max' && (fileVusMax === null || (value as number) > fileVusMax)) fileVusMax = value as number;
      if (name === 'checks' && typeof tags.check === 'string') countCheck(tags.group ?? '', tags.check, value !== 0, ms);
      count++;
    };
    try {
      await readLines(file, {
        line: onLine,
        longLine: () => {
          lineNo++;
          fail(`longer than ${MAX_LINE_BYTES / 1024 / 1024} MiB: not k6 output`);
        },
      });
    } catch (error) {
      if (error instanceof InputFileError) throw error;
      throw new InputFileError(`${file}: ${readFailure(error)}`);
    }
    if (count === 0) throw new InputFileError(`${file}: no points (not the output of k6 run --out json=FILE, or a run that recorded nothing)`);
    points.push(count);
    vusMax.push(fileVusMax);
    spans.push(fileSpan);
  }

  // Checks (and their groups) in the order one run would have met them first: by time.
  const groups = new GroupTree();
  for (const c of [...checks.values()].sort((a, b) => a.firstMs - b.firstMs)) {
    let check;
    try {
      check = groups.recordCheck(c.group, c.name, true);
    } catch (error) {
      throw new InputFileError(`${files[0]}: check "${c.name}": ${(error as Error).message}`);
    }
    check.passes = c.passes;
    check.fails = c.fails;
  }

  // Gauges: the value of the latest point in time, whichever file it came from.
  for (const [metric, latest] of latestGauge) if (metric.sink.type === 'gauge') metric.sink.value = latest.value;

  const firstNs = epochNs(span.first!.text)!;
  const lastNs = epochNs(span.last!.text)!;
  const testRunDurationMs = Number(lastNs - firstNs) / 1e6;

  const raw: Record<string, ThresholdInput[]> = {};
  for (const [name, decl] of declared) if (decl.thresholds.length > 0) raw[name] = decl.thresholds;
  let thresholds;
  try {
    thresholds = parseThresholds(raw);
    thresholds.evaluate(registry, testRunDurationMs, { final: true });
  } catch (error) {
    throw new InputFileError(`${files[0]}: thresholds: ${(error as Error).message}`);
  }
  const warnings: string[] = [];
  // Parts of one test run at the same time: a part that starts after another ended is more
  // likely a second test (or a clock far off) than a segment of this one.
  for (const [i, a] of spans.entries()) {
    for (const [j, b] of spans.entries()) {
      if (b.first > a.last) warnings.push(`${files[j]} starts ${((b.first - a.last) / 1000).toFixed(1)} s after ${files[i]} ends: parts of one test run at the same time (are the machines' clocks in sync?)`);
    }
  }
  // A submetric exists because a threshold names it (but for the one k6 always makes), and the
  // Metric lines carry the parent's thresholds only: say which ones are left out.
  const unknown = [...declared.values()].flatMap((d) => d.submetrics).filter((s) => s !== DEFAULT_SUBMETRIC);
  if (unknown.length > 0) {
    const named = unknown.length > 3 ? `${unknown.slice(0, 3).join(', ')} and ${unknown.length - 3} more` : unknown.join(', ');
    warnings.push(`thresholds: those of submetrics (${named}) are not in k6 --out json; only whole-metric thresholds are listed`);
  }
  return {
    summary: buildSummaryData(registry, { thresholds, groups, testRunDurationMs, summaryTrendStats: MERGED_TREND_STATS }),
    start_time: formatEpochNs(firstNs),
    end_time: formatEpochNs(lastNs),
    files,
    points,
    vus_max: vusMax,
    warnings,
  };

  function declare(name: string, decl: Declaration, fail: (detail: string) => never): void {
    const known = declared.get(name);
    if (known) {
      const mismatch = declarationMismatch(known, decl);
      if (mismatch) fail(`metric "${name}" ${mismatch}${known.file === decl.file ? ' earlier in this file' : ` in ${known.file}`}: not parts of one test`);
      return;
    }
    declared.set(name, decl);
    try {
      registry.define(name, decl.type, decl.contains);
      // Submetrics exist because a threshold names them (or k6 always makes them): the summary
      // shows them even when no point matched, as k6's does.
      for (const sub of decl.submetrics) registry.addSubmetric(sub).observed = true;
    } catch (error) {
      fail(`metric "${name}": ${(error as Error).message}`);
    }
  }

  function countCheck(group: string, name: string, passed: boolean, ms: number): void {
    const key = `${group}\u0000${name}`;
    let check = checks.get(key);
    if (!check) checks.set(key, (check = { group, name, passes: 0, fails: 0, firstMs: ms }));
    else if (ms < check.firstMs) check.firstMs = ms;
    if (passed) check.passes++;
    else check.fails++;
  }

  function keepLatest(metric: Metric, ms: number, value: number, tags: Record<string, string>): void {
    const keep = (m: Metric) => {
      const latest = latestGauge.get(m);
      if (!latest || ms >= latest.ms) latestGauge.set(m, { ms, value });
    };
    keep(metric);
    for (const sub of metric.submetrics) if (sub.matches(tags)) keep(sub.metric);
  }
}

function readDeclaration(data: Record<string, unknown>, file: string, fail: (detail: string) => never): Declaration {
  const { name, type, contains } = data;
  if (typeof name !== 'string' || name === '') return fail('a Metric line without a "name"');
  if (!METRIC_TYPES.includes(type as MetricType)) return fail(`metric "${name}": unknown type ${JSON.stringify(type)}`);
  const valueType = (contains ?? 'default') as ValueType;
  if (!VALUE_TYPES.includes(valueType)) return fail(`metric "${name}": unknown "contains" ${JSON.stringify(contains)}`);
  const subs = data.submetrics ?? [];
  if (!Array.isArray(subs) || subs.some((s) => typeof s?.name !== 'string')) return fail(`metric "${name}": "submetrics" is not a list of {name}`);
  const thresholds = data.thresholds ?? [];
  if (!Array.isArray(thresholds)) return fail(`metric "${name}": "thresholds" is not a list`);
  return {
    file,
    type: type as MetricType,
    contains: valueType,
    submetrics: subs.map((s: { name: string }) => s.name).sort(),
    thresholds: thresholds as ThresholdInput[],
  };
}

/** How `decl` differs from the `known` declaration of the same metric, or null. */
function declarationMismatch(known: Declaration, decl: Declaration): string | null {
  if (known.type !== decl.type) return `is a ${decl.type} here but a ${known.type}`;
  if (known.contains !== decl.contains) return `contains ${decl.contains} values here but ${known.contains} values`;
  const list = (items: unknown[]) => (items.length ? items.map((i) => (typeof i === 'string' ? i : JSON.stringify(i))).join(', ') : 'none');
  if (list(known.submetrics) !== list(decl.submetrics)) return `has submetrics ${list(decl.submetrics)} here but ${list(known.submetrics)}`;
  if (list(known.thresholds) !== list(decl.thresholds)) return `has thresholds ${list(decl.thresholds)} here but ${list(known.thresholds)}`;
  return null;
}

/** One line for a file that cannot be read: missing, a directory, not gzip after all. */
function readFailure(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EACCES') return 'permission denied';
  if (e.code === 'EISDIR') return 'is a directory';
  if (e.code?.startsWith('Z_')) return `not a readable gzip file (${e.message})`;
  return e.message;
}

/**
 * RFC 3339 point times → epoch ms (fractional). The second changes rarely between points, so its
 * parse is cached by the text before the fraction and the zone; the fraction is read as digits.
 */
class PointClock {
  private lastKey = '';
  private lastSecondMs = 0;

  ms(text: string): number {
    const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i.exec(text);
    if (!match) return NaN;
    const key = match[1] + match[3];
    if (key !== this.lastKey) {
      const ms = Date.parse(`${match[1]}${match[3].toUpperCase()}`);
      if (Number.isNaN(ms)) return NaN;
      this.lastKey = key;
      this.lastSecondMs = ms;
    }
    const fraction = match[2] ?? '';
    return fraction ? this.lastSecondMs + Number(`0.${fraction}`) * 1000 : this.lastSecondMs;
  }
}
