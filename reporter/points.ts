// Streams a k6 `--out json` NDJSON file (or .gz) into per-second buckets: requests, errors,
// latency percentiles (HDR histograms), TTFT percentiles and VUs. Memory stays bounded whatever
// the file size: lines are scanned in place in the read Buffers (a fast path for the keys we need,
// JSON.parse only for lines it does not recognise), and a second's histograms are reduced to
// percentiles once the stream has moved WINDOW_S seconds past it.
import * as hdr from 'hdr-histogram-js';
import { MAX_LINE_BYTES, readLines } from './ndjson-lines.ts';

export { MAX_LINE_BYTES } from './ndjson-lines.ts';

/** Seconds a bucket stays open for points that arrive out of order (k6 flushes in batches). */
const WINDOW_S = 30;
/** Histogram values are microseconds: 1 µs .. 1 h, 3 significant digits (≤ 0.1% error). */
const HIST_MAX_US = 3_600_000_000;
/** 30 days of one-second buckets; a wider span means a broken clock or a wrong file. */
const MAX_BUCKETS = 30 * 86_400;

export interface PointSeries {
  file: string;
  /** Epoch seconds of the first bucket; bucket i covers [start_s + i, start_s + i + 1). */
  start_s: number;
  requests: number[];
  /** Failed requests per second: llm_errors when the script records it, else http_req_failed. */
  errors: number[];
  /** Latency of successful requests per second, integer ns (null: no sample that second). */
  latency_p50: (number | null)[];
  latency_p95: (number | null)[];
  latency_p99: (number | null)[];
  ttft_p50: (number | null)[] | null;
  ttft_p95: (number | null)[] | null;
  vus: (number | null)[];
  /** Whole-file numbers, for cross-checks. */
  totals: { requests: number; errors: number; latency_p50: number | null; latency_p99: number | null };
  /** bad_lines: garbage or truncated lines; long_lines: lines over MAX_LINE_BYTES; both skipped. */
  stats: { bytes: number; lines: number; points: number; bad_lines: number; long_lines: number; late_points: number; json_parse_lines: number };
}

type Histogram = ReturnType<typeof hdr.build>;

interface Bucket {
  requests: number;
  httpFailed: number;
  llmErrors: number;
  vus: number | null;
  latency: Histogram | null;
  ttft: Histogram | null;
}

interface Final {
  requests: number;
  httpFailed: number;
  llmErrors: number;
  vus: number | null;
  latency: [number, number, number] | null;
  ttft: [number, number] | null;
}

// Metric ids for the names we aggregate.
const M = { HttpReqs: 1, HttpFailed: 2, LlmErrors: 3, Duration: 4, Ttft: 5, Vus: 6 } as const;
type M = (typeof M)[keyof typeof M];
const METRIC_IDS = new Map<string, M>([
  ['http_reqs', M.HttpReqs],
  ['http_req_failed', M.HttpFailed],
  ['llm_errors', M.LlmErrors],
  ['http_req_duration', M.Duration],
  ['ttft', M.Ttft],
  ['vus', M.Vus],
]);

const enc = (text: string) => Buffer.from(text, 'latin1');
const K_METRIC = enc('"metric":"');
const K_TYPE_POINT = enc('"type":"Point"');
const K_TYPE = enc('"type":"');
const K_TIME = enc('"time":"');
const K_VALUE = enc('"value":');
const K_NOT_EXPECTED = enc('"expected_response":"false"');

export class PointAggregator {
  private open = new Map<number, Bucket>();
  private done = new Map<number, Final>();
  private pool: Histogram[] = [];
  private maxSecond = -Infinity;
  private watermark = -Infinity; // seconds below this are finalised
  private total = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIST_MAX_US, numberOfSignificantValueDigits: 3 });
  private sawLlmErrors = false;
  private sawTtft = false;
  readonly stats = { bytes: 0, lines: 0, points: 0, bad_lines: 0, long_lines: 0, late_points: 0, json_parse_lines: 0 };
  // Cache of the last time prefix ("YYYY-MM-DDTHH:MM:SS" + zone) → epoch seconds.
  private lastPrefix = '';
  private lastEpoch = 0;

  /** Adds one point of a known metric at an epoch second; `value` in ms for time metrics. */
  add(metric: M, epochSecond: number, value: number, notExpected: boolean): void {
    this.stats.points++;
    if (epochSecond > this.maxSecond) {
      this.maxSecond = epochSecond;
      if (epochSecond - WINDOW_S > this.watermark) this.finalizeBelow(epochSecond - WINDOW_S);
    }
    if (epochSecond < this.watermark) {
      this.stats.late_points++;
      const final = this.done.get(epochSecond) ?? this.newFinal(epochSecond);
      if (metric === M.HttpReqs) final.requests += value;
      else if (metric === M.HttpFailed) final.httpFailed += value ? 1 : 0;
      else if (metric === M.LlmErrors) {
        final.llmErrors += value;
        this.sawLlmErrors = true;
      } else if (metric === M.Duration && !notExpected) this.total.recordValue(toUs(value));
      return;
    }
    let bucket = this.open.get(epochSecond);
    if (!bucket) {
      bucket = { requests: 0, httpFailed: 0, llmErrors: 0, vus: null, latency: null, ttft: null };
      this.open.set(epochSecond, bucket);
    }
    switch (metric) {
      case M.HttpReqs:
        bucket.requests += value;
        break;
      case M.HttpFailed:
        if (value) bucket.httpFailed++;
        break;
      case M.LlmErrors:
        bucket.llmErrors += value;
        this.sawLlmErrors = true;
        break;
      case M.Duration:
        if (notExpected) break;
        (bucket.latency ??= this.histogram()).recordValue(toUs(value));
        this.total.recordValue(toUs(value));
        break;
      case M.Ttft:
        this.sawTtft = true;
        (bucket.ttft ??= this.histogram()).recordValue(toUs(value));
        break;
      case M.Vus:
        bucket.vus = value;
        break;
    }
  }

  /** Epoch seconds of an RFC 3339 time held in `buf` at [start, end). */
  epochSecondOf(buf: Buffer, start: number, end: number): number {
    // "2026-11-28T06:00:00.123456789Z" / "...+01:00": the second changes rarely, so cache by prefix + zone.
    let zoneAt = start + 19;
    if (buf[zoneAt] === 0x2e /* . */) {
      zoneAt++;
      while (zoneAt < end && buf[zoneAt] >= 0x30 && buf[zoneAt] <= 0x39) zoneAt++;
    }
    const key = buf.toString('latin1', start, start + 19) + buf.toString('latin1', zoneAt, end);
    if (key !== this.lastPrefix) {
      const ms = Date.parse(buf.toString('latin1', start, start + 19) + (zoneAt < end ? buf.toString('latin1', zoneAt, end) : 'Z'));
      if (Number.isNaN(ms)) return NaN;
      this.lastPrefix = key;
      this.lastEpoch = Math.floor(ms / 1000);
    }
    return this.lastEpoch;
  }

  epochSecondOfText(text: string): number {
    const buf = Buffer.from(text, 'latin1');
    return this.epochSecondOf(buf, 0, buf.length);
  }

  private histogram(): Histogram {
    const h = this.pool.pop();
    if (h) return h;
    return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIST_MAX_US, numberOfSignificantValueDigits: 3 });
  }

  private release(h: Histogram | null): void {
    if (!h) return;
    h.reset();
    this.pool.push(h);
  }

  private newFinal(second: number): Final {
    const final: Final = { requests: 0, httpFailed: 0, llmErrors: 0, vus: null, latency: null, ttft: null };
    this.done.set(second, final);
    return final;
  }

  private finalizeBelow(limit: number): void {
    for (const [second, bucket] of this.open) {
      if (second >= limit) continue;
      this.open.delete(second);
      const final = this.newFinal(second);
      final.requests = bucket.requests;
      final.httpFailed = bucket.httpFailed;
      final.llmErrors = bucket.llmErrors;
      final.vus = bucket.vus;
      if (bucket.latency) final.latency = [pct(bucket.latency, 50), pct(bucket.latency, 95), pct(bucket.latency, 99)];
      if (bucket.ttft) final.ttft = [pct(bucket.ttft, 50), pct(bucket.ttft, 95)];
      this.release(bucket.latency);
      this.release(bucket.ttft);
    }
    this.watermark = limit;
  }

  finish(file: string): PointSeries {
    this.finalizeBelow(Infinity);
    let first = Infinity;
    let last = -Infinity;
    for (const second of this.done.keys()) {
      if (second < first) first = second;
      if (second > last) last = second;
    }
    const start = this.done.size ? first : 0;
    const length = this.done.size ? last - first + 1 : 0;
    if (length > MAX_BUCKETS) {
      throw new Error(`points span ${length} s (${new Date(first * 1000).toISOString()} to ${new Date(last * 1000).toISOString()}), more than ${MAX_BUCKETS} one-second buckets`);
    }
    const series: PointSeries = {
      file,
      start_s: start,
      requests: new Array(length).fill(0),
      errors: new Array(length).fill(0),
      latency_p50: new Array(length).fill(null),
      latency_p95: new Array(length).fill(null),
      latency_p99: new Array(length).fill(null),
      ttft_p50: this.sawTtft ? new Array(length).fill(null) : null,
      ttft_p95: this.sawTtft ? new Array(length).fill(null) : null,
      vus: new Array(length).fill(null),
      totals: { requests: 0, errors: 0, latency_p50: null, latency_p99: null },
      stats: { ...this.stats },
    };
    for (const [second, f] of this.done) {
      const i = second - start;
      series.requests[i] = f.requests;
      series.errors[i] = this.sawLlmErrors ? f.llmErrors : f.httpFailed;
      series.vus[i] = f.vus;
      if (f.latency) [series.latency_p50[i], series.latency_p95[i], series.latency_p99[i]] = f.latency;
      if (f.ttft) [series.ttft_p50![i], series.ttft_p95![i]] = f.ttft;
      series.totals.requests += f.requests;
      series.totals.errors += series.errors[i];
    }
    if (this.total.totalCount > 0) {
      series.totals.latency_p50 = pct(this.total, 50);
      series.totals.latency_p99 = pct(this.total, 99);
    }
    return series;
  }
}

const toUs = (ms: number) => Math.min(HIST_MAX_US, Math.max(1, Math.round(ms * 1000)));
/** Percentile of a µs histogram, as integer ns. */
const pct = (h: Histogram, p: number) => h.getValueAtPercentile(p) * 1000;

/** Scans one NDJSON line in `buf` at [start, end) and feeds the aggregator. */
export function scanLine(agg: PointAggregator, buf: Buffer, start: number, end: number): void {
  if (end > start && buf[end - 1] === 0x0d) end--; // CRLF
  if (end <= start) return;
  agg.stats.lines++;
  const line = buf.subarray(start, end);
  // A line cut short (a truncated file, an interrupted write) does not end its object: let JSON.parse judge.
  if (line[line.length - 1] !== 0x7d /* } */) return scanSlow(agg, line);
  const metricAt = line.indexOf(K_METRIC);
  const typeAt = line.indexOf(K_TYPE);
  if (metricAt < 0 || typeAt < 0) return scanSlow(agg, line);
  // Anything but a Point (a Metric declaration line) is skipped.
  if (line.compare(K_TYPE_POINT, 0, K_TYPE_POINT.length, typeAt, typeAt + K_TYPE_POINT.length) !== 0) return;
  const nameStart = metricAt + K_METRIC.length;
  const nameEnd = line.indexOf(0x22, nameStart);
  if (nameEnd < 0) return scanSlow(agg, line);
  const metric = METRIC_IDS.get(line.toString('latin1', nameStart, nameEnd));
  if (metric === undefined) return;
  const timeAt = line.indexOf(K_TIME);
  const valueAt = line.indexOf(K_VALUE);
  if (timeAt < 0 || valueAt < 0) return scanSlow(agg, line);
  const timeStart = timeAt + K_TIME.length;
  const timeEnd = line.indexOf(0x22, timeStart);
  const value = parseNumber(line, valueAt + K_VALUE.length);
  if (timeEnd < 0 || Number.isNaN(value)) return scanSlow(agg, line);
  const second = agg.epochSecondOf(line, timeStart, timeEnd);
  if (Number.isNaN(second)) {
    agg.stats.bad_lines++;
    return;
  }
  const notExpected = metric === M.Duration && line.indexOf(K_NOT_EXPECTED) >= 0;
  agg.add(metric, second, value, notExpected);
}

/** A line the fast path does not recognise (other spacing, escapes): parse it properly. */
function scanSlow(agg: PointAggregator, line: Buffer): void {
  agg.stats.json_parse_lines++;
  let json: { type?: unknown; metric?: unknown; data?: { time?: unknown; value?: unknown; tags?: Record<string, unknown> } };
  try {
    json = JSON.parse(line.toString('utf8'));
  } catch {
    agg.stats.bad_lines++;
    return;
  }
  // Every k6 output line is an object with a type ("Metric" or "Point"); anything else is not k6's.
  if (!json || typeof json !== 'object' || typeof json.type !== 'string') {
    agg.stats.bad_lines++;
    return;
  }
  if (json.type !== 'Point' || typeof json.metric !== 'string') return;
  const metric = METRIC_IDS.get(json.metric);
  if (metric === undefined) return;
  const { time, value, tags } = json.data ?? {};
  if (typeof time !== 'string' || typeof value !== 'number') {
    agg.stats.bad_lines++;
    return;
  }
  const second = agg.epochSecondOfText(time);
  if (Number.isNaN(second)) {
    agg.stats.bad_lines++;
    return;
  }
  agg.add(metric, second, value, metric === M.Duration && tags?.expected_response === 'false');
}

/** Parses a JSON number at `at` without making a string (falls back to Number() for exponents). */
function parseNumber(buf: Buffer, at: number): number {
  let i = at;
  while (buf[i] === 0x20) i++;
  const begin = i;
  let negative = false;
  if (buf[i] === 0x2d) {
    negative = true;
    i++;
  }
  let int = 0;
  let digits = 0;
  while (buf[i] >= 0x30 && buf[i] <= 0x39) {
    int = int * 10 + (buf[i] - 0x30);
    i++;
    digits++;
  }
  if (digits === 0) return NaN;
  let value = int;
  if (buf[i] === 0x2e) {
    i++;
    let frac = 0;
    let scale = 1;
    while (buf[i] >= 0x30 && buf[i] <= 0x39) {
      frac = frac * 10 + (buf[i] - 0x30);
      scale *= 10;
      i++;
    }
    value = int + frac / scale;
  }
  if (buf[i] === 0x65 || buf[i] === 0x45 || digits > 15) {
    let j = i;
    while (j < buf.length && buf[j] !== 0x2c && buf[j] !== 0x7d && buf[j] !== 0x20) j++;
    return Number(buf.toString('latin1', begin, j));
  }
  return negative ? -value : value;
}

/** Reads a k6 NDJSON points file (gzip detected by its magic bytes) into per-second series. */
export async function readPoints(file: string): Promise<PointSeries> {
  const agg = new PointAggregator();
  agg.stats.bytes = await readLines(file, {
    line: (buf, start, end) => scanLine(agg, buf, start, end),
    longLine: () => {
      agg.stats.lines++;
      agg.stats.long_lines++;
    },
  });
  return agg.finish(file);
}

/** One warning for the lines a points file had that could not be read, or null when there were none. */
export function pointsWarning(series: PointSeries): string | null {
  const { bad_lines: bad, long_lines: long } = series.stats;
  if (bad + long === 0) return null;
  const parts = [bad ? `${bad} garbage or truncated` : '', long ? `${long} longer than ${MAX_LINE_BYTES / 1024 / 1024} MiB` : ''].filter(Boolean);
  const n = bad + long;
  return `${series.file}: skipped ${n} unreadable line${n === 1 ? '' : 's'} (${parts.join(', ')}); the time series leave them out`;
}
