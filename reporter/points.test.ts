import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pointsText } from './points-fixture.ts';
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MAX_LINE_BYTES, PointAggregator, pointsWarning, readPoints, scanLine } from './points.ts';

describe('NDJSON point reader', () => {
  it('aggregates per second, keeps failed requests out of latency and reads both key orders', async () => {
    const agg = new PointAggregator();
    const lines = [
      '{"type":"Point","data":{"time":"2026-11-28T06:00:00.5Z","value":1,"tags":{}},"metric":"http_reqs"}',
      '{"metric":"http_reqs","type":"Point","data":{"time":"2026-11-28T07:00:00.7+01:00","value":1,"tags":{}}}',
      '{"type":"Point","data":{"time":"2026-11-28T06:00:01.0Z","value":1,"tags":{}},"metric":"http_reqs"}',
      '{"type":"Point","data":{"time":"2026-11-28T06:00:00.1Z","value":100.5,"tags":{"expected_response":"true"}},"metric":"http_req_duration"}',
      '{"type":"Point","data":{"time":"2026-11-28T06:00:00.2Z","value":9000,"tags":{"expected_response":"false"}},"metric":"http_req_duration"}',
      '{ "type": "Point", "data": { "time": "2026-11-28T06:00:01.2Z", "value": 1, "tags": {} }, "metric": "llm_errors" }',
      '{"type":"Point","data":{"time":"2026-11-28T06:00:01.2Z","value":1,"tags":{}},"metric":"http_req_failed"}',
      '{"type":"Metric","data":{"name":"http_reqs","type":"counter"},"metric":"http_reqs"}',
      'not json at all',
      '{"type":"Point","data":{"time":"2026-11-28T06:00:00Z","value":1.5e1,"tags":{}},"metric":"vus"}',
    ];
    const buf = Buffer.from(lines.join('\n'));
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, pos);
      scanLine(agg, buf, pos, nl < 0 ? buf.length : nl);
      if (nl < 0) break;
      pos = nl + 1;
    }
    const s = agg.finish('mem');
    expect(s.start_s).toBe(Date.parse('2026-11-28T06:00:00Z') / 1000);
    expect(s.requests).toEqual([2, 1]);
    expect(s.errors).toEqual([0, 1]); // llm_errors wins over http_req_failed once seen
    // The failed 9000 ms request is not in latency; HDR histogram with 3 significant digits.
    expect(Math.abs(s.latency_p50[0]! - 100_500_000) / 100_500_000).toBeLessThan(0.001);
    expect(s.latency_p99[0]).toBe(s.latency_p50[0]);
    expect(s.latency_p99[1]).toBeNull();
    expect(s.vus[0]).toBe(15);
    expect(s.stats.bad_lines).toBe(1);
    expect(s.stats.json_parse_lines).toBe(2); // the spaced line and the garbage line
  });

  it('refuses a span of time no run has', () => {
    const agg = new PointAggregator();
    for (const time of ['1970-01-01T00:00:01Z', '2026-11-28T06:00:00Z']) {
      const line = Buffer.from(`{"type":"Point","data":{"time":"${time}","value":1,"tags":{}},"metric":"http_reqs"}`);
      scanLine(agg, line, 0, line.length);
    }
    expect(() => agg.finish('x')).toThrow(/^points span \d+ s \(1970-01-01T00:00:01.000Z to 2026-11-28T06:00:00.000Z\), more than 2592000 one-second buckets$/);
  });

  it('rejects a missing file (no stream error event left unhandled)', async () => {
    await expect(readPoints(path.join(tmpdir(), 'llmux-no-such-points.ndjson'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reads gzip files and lines split across chunks', async () => {
    const { gzipSync } = await import('node:zlib');
    const dir = await mkdtemp(path.join(tmpdir(), 'llmux-points-'));
    try {
      const text = pointsText();
      await writeFile(path.join(dir, 'p.ndjson.gz'), gzipSync(text));
      const gz = await readPoints(path.join(dir, 'p.ndjson.gz'));
      expect(gz.requests).toEqual([20, 20, 20, 20, 20]);
      expect(gz.errors).toEqual([1, 1, 1, 1, 1]);
      expect(gz.ttft_p50?.length).toBe(5);
      // A file bigger than one 1 MiB read chunk, so lines straddle chunk borders.
      const big = text.repeat(Math.ceil((3 << 20) / text.length));
      await writeFile(path.join(dir, 'big.ndjson'), big);
      const copies = Math.ceil((3 << 20) / text.length);
      const s = await readPoints(path.join(dir, 'big.ndjson'));
      expect(s.totals.requests).toBe(100 * copies);
      expect(s.stats.bad_lines).toBe(0);
      expect(s.stats.lines).toBe(big.split('\n').length - 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('skips a line over 1 MiB (counted), whether it spans chunks, sits inside one, or ends the file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'llmux-points-'));
    try {
      const text = pointsText(); // 401 lines: 100 requests
      const long = (n: number) => `{"type":"Point","data":{"time":"2026-11-28T06:00:00Z","value":1,"tags":{"x":"${'y'.repeat(n)}"}},"metric":"http_reqs"}`;
      const file = path.join(dir, 'long.ndjson');
      // 40 MiB spanning many 1 MiB read chunks; one just over the limit; one at the limit (read); one unterminated at the end.
      const atLimit = long(MAX_LINE_BYTES - long(0).length);
      expect(Buffer.byteLength(atLimit)).toBe(MAX_LINE_BYTES);
      await new Promise<void>((resolve, reject) => {
        const out = createWriteStream(file);
        out.on('error', reject);
        out.write(text);
        out.write(long(40 << 20) + '\n');
        out.write(text);
        out.write(long(MAX_LINE_BYTES) + '\n');
        out.write(atLimit + '\n');
        out.write(text);
        out.end(long(3 << 20), () => resolve());
      });
      const s = await readPoints(file);
      expect(s.totals.requests).toBe(3 * 100 + 1);
      expect(s.stats).toMatchObject({ lines: 3 * 401 + 4, long_lines: 3, bad_lines: 0 });
      expect(pointsWarning(s)).toBe(`${file}: skipped 3 unreadable lines (3 longer than 1 MiB); the time series leave them out`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('counts garbage and truncated lines (not JSON, not a k6 object, cut mid-object, the last line cut short)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'llmux-points-'));
    try {
      const good = pointsText().trimEnd().split('\n');
      const cut = good[5].slice(0, 60);
      const lines = [...good.slice(0, 10), 'not json', cut, '[]', '123', '{"no":"type"}', '\u0000\u0001', ...good.slice(10), good[7].slice(0, 75)];
      const file = path.join(dir, 'bad.ndjson');
      await writeFile(file, lines.join('\n')); // no final newline: the last line is cut short
      const s = await readPoints(file);
      expect(s.totals.requests).toBe(100);
      expect(s.stats).toMatchObject({ lines: 401 + 7, bad_lines: 7, long_lines: 0 });
      expect(pointsWarning(s)).toBe(`${file}: skipped 7 unreadable lines (7 garbage or truncated); the time series leave them out`);
      await writeFile(path.join(dir, 'good.ndjson'), pointsText());
      expect(pointsWarning(await readPoints(path.join(dir, 'good.ndjson')))).toBeNull();

      // The CLI says it once, on stderr, with the count.
      const bin = fileURLToPath(new URL('../bin/llmux-bench.mjs', import.meta.url));
      const summary = fileURLToPath(new URL('./fixtures/engine/engine-basic.summary.json', import.meta.url));
      const child = spawnSync(process.execPath, [bin, 'report', summary, '--points', file, '--html', path.join(dir, 'r.html'), '--output', dir], { encoding: 'utf8', timeout: 60_000 });
      expect(child.status).toBe(0);
      const warnings = child.stderr.split('\n').filter((l) => l.includes('unreadable'));
      expect(warnings).toEqual([`warning: ${file}: skipped 7 unreadable lines (7 garbage or truncated); the time series leave them out`]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
