// `--out json=FILE`: k6's NDJSON lines (output/json): one {"type":"Metric"} line the first time a
// metric is seen, then one {"type":"Point"} line per sample; gzip when the name ends in ".gz".
//
// registry.add() is synchronous and cannot wait for the disk, so memory is bounded this way:
// lines are gathered into a chunk (64 KiB) that is handed to the stream when full (and every
// 200 ms, like k6's flush period). When more than `maxPendingBytes` sit unwritten in the
// stream, new points are dropped and counted (never Metric lines) until the disk catches up.
// To lose nothing, the engine awaits drain() whenever `backpressured` is true (at iteration
// ends, for instance): that slows the VUs to the disk's pace instead of dropping. Backpressure is
// half of maxPendingBytes waiting, not the stream's own highWaterMark (16 KiB): every 64 KiB chunk
// passes that, so VUs would stop at each chunk and restart together when it is written.
import { once } from 'node:events';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import type { Metric } from './metric.ts';
import type { MetricRegistry } from './registry.ts';
import type { Thresholds } from './thresholds.ts';

export interface NdjsonOptions {
  /** Bytes gathered before a write to the stream (default 64 KiB). */
  chunkBytes?: number;
  /** Unwritten bytes the stream may hold before points are dropped (default 32 MiB). */
  maxPendingBytes?: number;
  /** Partial chunks are written at least this often (default 200 ms, as k6). */
  flushIntervalMs?: number;
  /** Replace an existing file (default false: open() refuses, naming the file). */
  overwrite?: boolean;
  /** Listed on each metric's Metric line, as k6 does. */
  thresholds?: Thresholds | null;
}

export interface NdjsonStats {
  path: string;
  /** Point lines written. */
  points: number;
  /** Points dropped because the disk fell behind by more than maxPendingBytes. */
  dropped: number;
  metrics: number;
}

/** RFC 3339 UTC with microseconds, trailing zeros trimmed like Go's RFC3339Nano. */
export class TimeFormatter {
  private second = Number.NaN;
  private prefix = '';

  format(timeMs: number): string {
    const second = Math.floor(timeMs / 1000);
    if (second !== this.second) {
      this.second = second;
      this.prefix = new Date(second * 1000).toISOString().slice(0, 19);
    }
    let micros = Math.round((timeMs - second * 1000) * 1000);
    if (micros > 999_999) micros = 999_999;
    if (micros === 0) return `${this.prefix}Z`;
    return `${this.prefix}.${String(micros).padStart(6, '0').replace(/0+$/, '')}Z`;
  }
}

export class NdjsonOutput {
  private readonly chunkBytes: number;
  private readonly maxPendingBytes: number;
  private readonly flushIntervalMs: number;
  private readonly overwrite: boolean;
  private readonly thresholds: Thresholds | null;
  private readonly time = new TimeFormatter();
  /** Per metric: the line tail `},"metric":"name"}\n`; presence = Metric line written. */
  private readonly tails = new Map<Metric, string>();
  private chunk = '';
  /** The engine passes one tags object for all samples of a request: stringify it once. */
  private lastTags: object | null = null;
  private lastTagsJson = '';
  private sink: WriteStream | Gzip | null = null;
  private done: Promise<void> | null = null;
  private failure: Error | null = null;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private dropping = false;
  /** One wait for 'drain' shared by every caller of drain(), not a listener each. */
  private drained: Promise<void> | null = null;
  private path = '';
  private tempPath = '';
  points = 0;
  dropped = 0;

  /**
   * `registry` (optional) is attached by open(); `thresholds` are listed on the Metric lines.
   * Without a registry, call attach() or feed write() directly.
   */
  constructor(
    private readonly registry: MetricRegistry | null = null,
    thresholds: Thresholds | null = null,
    opts: NdjsonOptions = {},
  ) {
    this.chunkBytes = opts.chunkBytes ?? 64 * 1024;
    this.maxPendingBytes = opts.maxPendingBytes ?? 32 * 1024 * 1024;
    this.flushIntervalMs = opts.flushIntervalMs ?? 200;
    this.overwrite = opts.overwrite ?? false;
    this.thresholds = thresholds ?? opts.thresholds ?? null;
  }

  /**
   * Opens the output. Lines go to a temporary file beside `path`, renamed to `path` by close(),
   * so a reader never sees a half-written file under the final name.
   */
  async open(path: string): Promise<void> {
    if (this.sink !== null) throw new Error('NDJSON output already open');
    if (!this.overwrite && existsSync(path)) throw new Error(`--out json: ${path} already exists; refusing to overwrite it`);
    this.path = path;
    this.tempPath = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
    await mkdir(dirname(path), { recursive: true }).catch(() => undefined);
    const file = createWriteStream(this.tempPath, { flags: 'w' });
    await once(file, 'open').catch((err: Error) => {
      throw new Error(`--out json: cannot write ${path}: ${err.message}`);
    });
    if (path.endsWith('.gz')) {
      const gzip = createGzip();
      this.sink = gzip;
      this.done = pipeline(gzip, file);
    } else {
      this.sink = file;
      this.done = new Promise((resolve, reject) => {
        file.once('finish', resolve);
        file.once('error', reject);
      });
    }
    this.done.catch((err: Error) => {
      this.failure ??= err;
    });
    this.sink.on('drain', () => {
      this.dropping = false;
    });
    this.timer = setInterval(() => this.flush(), this.flushIntervalMs);
    this.timer.unref();
    if (this.registry !== null) this.attach(this.registry);
  }

  /** Sends every sample of `registry` to this output. */
  attach(registry: MetricRegistry): void {
    this.unsubscribe?.();
    this.unsubscribe = registry.onSample((metric, value, tags, timeMs) => this.write(metric, value, tags, timeMs));
  }

  /** Appends one sample (the registry listener). Synchronous; never blocks. */
  write(metric: Metric, value: number, tags: Readonly<Record<string, string>>, timeMs: number): void {
    if (this.sink === null) return;
    let tail = this.tails.get(metric);
    if (tail === undefined) {
      tail = `},"metric":${JSON.stringify(metric.name)}}\n`;
      this.tails.set(metric, tail);
      this.chunk += this.metricLine(metric);
    }
    if (this.dropping) {
      this.dropped++;
      return;
    }
    if (tags !== this.lastTags) {
      this.lastTags = tags;
      this.lastTagsJson = JSON.stringify(tags);
    }
    this.chunk += `{"type":"Point","data":{"time":"${this.time.format(timeMs)}","value":${value},"tags":${this.lastTagsJson}${tail}`;
    this.points++;
    if (this.chunk.length >= this.chunkBytes) this.flush();
  }

  /** Bytes handed to the stream but not yet written, plus the open chunk. */
  get pendingBytes(): number {
    return (this.sink?.writableLength ?? 0) + this.chunk.length;
  }

  /** True when the disk is behind (half of maxPendingBytes unwritten): await drain() before producing more. */
  get backpressured(): boolean {
    return this.sink !== null && this.pendingBytes >= this.maxPendingBytes / 2;
  }

  /** Writes the open chunk and resolves once the stream has written what it holds. */
  drain(): Promise<void> {
    this.flush();
    const sink = this.sink;
    if (sink === null || !sink.writableNeedDrain || this.failure !== null) return Promise.resolve();
    this.drained ??= once(sink, 'drain').then(
      () => {
        this.drained = null;
      },
      () => {
        this.drained = null;
      },
    );
    return this.drained;
  }

  /** Writes what is buffered, ends the file, renames it into place and returns the counts. */
  async close(): Promise<NdjsonStats> {
    if (this.sink === null || this.done === null) throw new Error('NDJSON output is not open');
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer !== null) clearInterval(this.timer);
    this.flush();
    this.sink.end();
    this.sink = null;
    try {
      await this.done;
    } catch (err) {
      await rm(this.tempPath, { force: true });
      throw new Error(`--out json: writing ${this.path} failed: ${(err as Error).message}`);
    }
    await rename(this.tempPath, this.path);
    return { path: this.path, points: this.points, dropped: this.dropped, metrics: this.tails.size };
  }

  /** One line for the user when points were dropped; null otherwise. */
  warning(): string | null {
    if (this.dropped === 0) return null;
    return (
      `--out json: dropped ${this.dropped} of ${this.points + this.dropped} points because ${this.path} could not be written ` +
      `as fast as they came (more than ${Math.round(this.maxPendingBytes / 1048576)} MiB waiting)`
    );
  }

  private flush(): void {
    const sink = this.sink;
    if (sink === null || this.chunk.length === 0) return;
    const chunk = this.chunk;
    this.chunk = '';
    sink.write(chunk);
    // Checked per chunk rather than per point: the stream holds at most max + one chunk.
    if (sink.writableLength > this.maxPendingBytes) this.dropping = true;
  }

  private metricLine(metric: Metric): string {
    const data = {
      name: metric.name,
      type: metric.type,
      contains: metric.contains,
      thresholds: this.thresholds?.forOutput(metric.name) ?? [],
      submetrics: metric.submetrics.length === 0 ? null : metric.submetrics.map((s) => ({ name: s.name, suffix: s.suffix, tags: s.tagObject() })),
    };
    return `{"type":"Metric","data":${JSON.stringify(data)},"metric":${JSON.stringify(metric.name)}}\n`;
  }
}
