// Speed of the k6 NDJSON point reader (reporter/points.ts): generates a k6 `--out json` file of
// SIZE_MB (default 1024) in the temp directory, reads it in a child process (so its peak RSS is
// the reader's own), prints MB/s and peak RSS, then deletes the file. --long-line-mb N puts one line
// of N MB in the middle (a corrupt file: the reader must skip it in linear time and bounded memory).
//   node --import tsx bench/reporter-points.ts [--size-mb 1024] [--gzip] [--keep] [--long-line-mb 200]
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { readPoints } from '../reporter/points.ts';

const { values } = parseArgs({
  options: {
    'size-mb': { type: 'string', default: '1024' },
    gzip: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'long-line-mb': { type: 'string', default: '0' },
    read: { type: 'string' },
  },
});

if (values.read) {
  // Child: read one file, report throughput and peak RSS as JSON.
  const started = process.hrtime.bigint();
  const series = await readPoints(values.read);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const fileBytes = (await stat(values.read)).size;
  process.stdout.write(
    JSON.stringify({
      file_mb: fileBytes / 1e6,
      read_mb: series.stats.bytes / 1e6,
      seconds,
      mb_per_s: series.stats.bytes / 1e6 / seconds,
      peak_rss_mb: process.resourceUsage().maxRSS / 1024,
      lines: series.stats.lines,
      long_lines: series.stats.long_lines ?? null,
      bad_lines: series.stats.bad_lines,
      points_used: series.stats.points,
      json_parse_lines: series.stats.json_parse_lines,
      buckets: series.requests.length,
      requests: series.totals.requests,
      errors: series.totals.errors,
    }) + '\n',
  );
  process.exit(0);
}

const sizeMb = Number(values['size-mb']);
const file = path.join(tmpdir(), `llmux-points-bench-${process.pid}.ndjson${values.gzip ? '.gz' : ''}`);

// One request as k6 writes it: the HTTP trends, counters and rates, each a Point line.
const TAGS = '{"expected_response":"true","group":"","method":"POST","name":"http://127.0.0.1:3000/v1/chat/completions","proto":"HTTP/1.1","scenario":"default","status":"200","url":"http://127.0.0.1:3000/v1/chat/completions"}';
const FAILED_TAGS = TAGS.replace('"expected_response":"true"', '"expected_response":"false"').replace('"status":"200"', '"status":"500"');
const ITER_TAGS = '{"group":"","scenario":"default"}';
const point = (metric: string, time: string, value: number, tags: string) =>
  `{"type":"Point","data":{"time":"${time}","value":${value},"tags":${tags}},"metric":"${metric}"}\n`;

const LONG_LINE_MB = Number(values['long-line-mb']);

function* lines(targetBytes: number): Generator<string> {
  let longDone = LONG_LINE_MB <= 0;
  const start = Date.parse('2026-11-28T06:00:00Z');
  const rps = 2000;
  let bytes = 0;
  let i = 0;
  let chunk = '';
  while (bytes < targetBytes) {
    // Times drift out of order by up to 2 s, as k6's batched flushes do.
    const t = start + (i / rps) * 1000 - ((i * 7919) % 2000);
    const time = new Date(t).toISOString().replace('Z', `${String(i % 1000).padStart(3, '0')}000+00:00`).replace(/\.(\d{3})(\d{3})000/, '.$1$2000');
    const failed = i % 100 === 0;
    const tags = failed ? FAILED_TAGS : TAGS;
    const duration = 50 + ((i * 37) % 1000) / 10;
    chunk +=
      point('http_reqs', time, 1, tags) +
      point('http_req_duration', time, duration, tags) +
      point('http_req_blocked', time, 0.004, tags) +
      point('http_req_connecting', time, 0, tags) +
      point('http_req_tls_handshaking', time, 0, tags) +
      point('http_req_sending', time, 0.031, tags) +
      point('http_req_waiting', time, duration - 0.2, tags) +
      point('http_req_receiving', time, 0.169, tags) +
      point('http_req_failed', time, failed ? 1 : 0, tags) +
      point('data_sent', time, 312, ITER_TAGS) +
      point('data_received', time, 1450, ITER_TAGS) +
      point('iteration_duration', time, duration + 0.3, ITER_TAGS) +
      point('iterations', time, 1, ITER_TAGS);
    i++;
    if (!longDone && bytes >= targetBytes / 2) {
      longDone = true;
      yield chunk + '{"type":"Point","data":{"time":"2026-11-28T06:00:00Z","value":1,"tags":{"x":"';
      chunk = '';
      const mb = 'x'.repeat(1 << 20);
      for (let k = 0; k < LONG_LINE_MB; k++) yield mb;
      chunk = '"}},"metric":"http_reqs"}\n';
    }
    if (chunk.length > 1 << 20) {
      bytes += chunk.length;
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

console.error(`generating ${sizeMb} MB of k6 NDJSON points in ${file} ...`);
const generated = Readable.from(lines(sizeMb * 1e6));
await (values.gzip ? pipeline(generated, createGzip({ level: 1 }), createWriteStream(file)) : pipeline(generated, createWriteStream(file)));
try {
  console.error('reading ...');
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--read', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (child.status !== 0) throw new Error(`reader exited with ${child.status}`);
  const report = JSON.parse(child.stdout);
  console.log(JSON.stringify(report, null, 2));
  console.log(
    `read ${report.read_mb.toFixed(0)} MB${values.gzip ? ` (gzip file ${report.file_mb.toFixed(0)} MB)` : ''} in ${report.seconds.toFixed(2)} s: ` +
      `${report.mb_per_s.toFixed(0)} MB/s, peak RSS ${report.peak_rss_mb.toFixed(0)} MB (targets: >= 100 MB/s, < 200 MB)`,
  );
} finally {
  if (!values.keep) await rm(file, { force: true });
}
