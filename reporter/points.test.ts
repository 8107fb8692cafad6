import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pointsText } from './points-fixture.ts';
import { PointAggregator, readPoints, scanLine } from './points.ts';

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
});
