// `--out csv=FILE`: k6's CSV output (output/csv): one row per sample, k6's column set, the
// remaining tags in extra_tags as k=v&k=v. Written to a temporary file renamed on close.
import { once } from 'node:events';
import { createWriteStream, existsSync, renameSync, type WriteStream } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createGzip, type Gzip } from 'node:zlib';
import type { MetricRegistry } from './registry.ts';

const COLUMNS = ['check', 'error', 'error_code', 'expected_response', 'group', 'method', 'name', 'proto', 'scenario', 'service', 'status', 'subproto', 'tls_version', 'url'] as const;
const KNOWN = new Set<string>(COLUMNS);

const quote = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export class CsvOutput {
  private sink: WriteStream | Gzip | null = null;
  private file: WriteStream | null = null;
  private unsubscribe: (() => void) | null = null;
  private chunk = '';
  private path = '';
  private temp = '';
  rows = 0;

  constructor(private readonly registry: MetricRegistry) {}

  async open(path: string): Promise<void> {
    if (existsSync(path)) throw new Error(`--out csv: ${path} already exists; refusing to overwrite it`);
    this.path = path;
    this.temp = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
    const file = createWriteStream(this.temp);
    await once(file, 'open').catch((err: Error) => {
      throw new Error(`--out csv: cannot write ${path}: ${err.message}`);
    });
    this.file = file;
    if (path.endsWith('.gz')) {
      const gzip = createGzip();
      gzip.pipe(file);
      this.sink = gzip;
    } else this.sink = file;
    this.sink.write(`metric_name,timestamp,metric_value,${COLUMNS.join(',')},extra_tags,metadata\n`);
    this.unsubscribe = this.registry.onSample((metric, value, tags, timeMs) => {
      let row = `${metric.name},${Math.floor(timeMs / 1000)},${value}`;
      for (const c of COLUMNS) row += `,${quote(tags[c] ?? '')}`;
      let extra = '';
      for (const k in tags) if (!KNOWN.has(k)) extra += `${extra ? '&' : ''}${k}=${tags[k]}`;
      this.chunk += `${row},${quote(extra)},\n`;
      this.rows++;
      if (this.chunk.length > 64 * 1024) this.flush();
    });
  }

  private flush(): void {
    if (this.chunk !== '' && this.sink !== null) this.sink.write(this.chunk);
    this.chunk = '';
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    this.flush();
    const sink = this.sink;
    const file = this.file;
    if (sink === null || file === null) return;
    const finished = once(file, 'close');
    sink.end();
    await finished;
    renameSync(this.temp, this.path);
  }
}
