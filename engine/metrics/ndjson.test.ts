import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { NdjsonOutput, TimeFormatter } from './ndjson.ts';
import { MetricRegistry } from './registry.ts';
import { parseThresholds } from './thresholds.ts';

const dir = mkdtempSync(join(tmpdir(), 'engine-ndjson-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const lines = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
const T0 = Date.UTC(2021, 1, 24, 13, 37, 10);

describe('TimeFormatter', () => {
  it('writes RFC 3339 UTC with trimmed microseconds', () => {
    const f = new TimeFormatter();
    expect(f.format(T0)).toBe('2021-02-24T13:37:10Z');
    expect(f.format(T0 + 239.531)).toBe('2021-02-24T13:37:10.239531Z');
    expect(f.format(T0 + 5)).toBe('2021-02-24T13:37:10.005Z');
    expect(f.format(T0 + 1000.5)).toBe('2021-02-24T13:37:11.0005Z');
    expect(f.format(T0 + 999.9996)).toBe('2021-02-24T13:37:10.999999Z');
  });
});

describe('NdjsonOutput', () => {
  it('writes k6 Metric lines once, then Point lines', async () => {
    const registry = new MetricRegistry();
    const gauge = registry.define('my_metric1', 'gauge');
    registry.addSubmetric('my_metric1{a:1,b:2}');
    registry.define('my_metric2', 'counter', 'data');
    const thresholds = parseThresholds({ my_metric1: ['value<10', { threshold: 'value<99', abortOnFail: true, delayAbortEval: '5s' }] });
    thresholds.attach(registry);
    const out = new NdjsonOutput(registry, thresholds);
    const path = join(dir, 'k6.json');
    await out.open(path);
    registry.addTo(gauge, 1, { tag1: 'val1' }, T0);
    registry.add('my_metric1', 2, { tag2: 'val2' }, T0);
    registry.add('my_metric2', 3, { key: 'val' }, T0 + 10_000);
    registry.add('my_metric1', 4.5, { key: 'val' }, T0 + 10_000.25);
    const stats = await out.close();
    expect(stats).toEqual({ path, points: 4, dropped: 0, metrics: 2 });
    registry.add('my_metric1', 5, {}, T0); // after close: ignored, no throw
    expect(readFileSync(path, 'utf8').split('\n')).toEqual([
      '{"type":"Metric","data":{"name":"my_metric1","type":"gauge","contains":"default","thresholds":["value<10",{"threshold":"value<99","abortOnFail":true,"delayAbortEval":"5s"}],"submetrics":[{"name":"my_metric1{a:1,b:2}","suffix":"a:1,b:2","tags":{"a":"1","b":"2"}}]},"metric":"my_metric1"}',
      '{"type":"Point","data":{"time":"2021-02-24T13:37:10Z","value":1,"tags":{"tag1":"val1"}},"metric":"my_metric1"}',
      '{"type":"Point","data":{"time":"2021-02-24T13:37:10Z","value":2,"tags":{"tag2":"val2"}},"metric":"my_metric1"}',
      '{"type":"Metric","data":{"name":"my_metric2","type":"counter","contains":"data","thresholds":[],"submetrics":null},"metric":"my_metric2"}',
      '{"type":"Point","data":{"time":"2021-02-24T13:37:20Z","value":3,"tags":{"key":"val"}},"metric":"my_metric2"}',
      '{"type":"Point","data":{"time":"2021-02-24T13:37:20.00025Z","value":4.5,"tags":{"key":"val"}},"metric":"my_metric1"}',
      '',
    ]);
    expect(readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('streams: a partial chunk reaches the disk within the flush period, before close', async () => {
    const sub = mkdtempSync(join(dir, 'stream-'));
    const registry = new MetricRegistry();
    const out = new NdjsonOutput(registry, null, { flushIntervalMs: 50 });
    await out.open(join(sub, 'live.json'));
    registry.add('vus', 3, {}, T0);
    const partial = () => readdirSync(sub).find((f) => f.endsWith('.partial'))!;
    expect(partial()).toBe(`.live.json.${process.pid}.partial`);
    let text = '';
    for (let i = 0; i < 100 && text === ''; i++) {
      await new Promise((r) => setTimeout(r, 20));
      text = readFileSync(join(sub, partial()), 'utf8');
    }
    expect(lines(text).map((l) => l.type)).toEqual(['Metric', 'Point']);
    await out.close();
    expect(readdirSync(sub)).toEqual(['live.json']);
  });

  it('gzips when the name ends in .gz', async () => {
    const registry = new MetricRegistry();
    const out = new NdjsonOutput();
    const path = join(dir, 'k6.json.gz');
    await out.open(path);
    out.attach(registry);
    for (let i = 0; i < 1000; i++) registry.add('http_req_duration', i, { status: '200', expected_response: 'true' }, T0 + i);
    await out.close();
    const parsed = lines(gunzipSync(readFileSync(path)).toString('utf8'));
    expect(parsed.length).toBe(1001);
    expect(parsed[0]).toEqual({
      type: 'Metric',
      data: {
        name: 'http_req_duration',
        type: 'trend',
        contains: 'time',
        thresholds: [],
        submetrics: [{ name: 'http_req_duration{expected_response:true}', suffix: 'expected_response:true', tags: { expected_response: 'true' } }],
      },
      metric: 'http_req_duration',
    });
    expect(parsed[1000]).toEqual({
      type: 'Point',
      data: { time: '2021-02-24T13:37:10.999Z', value: 999, tags: { status: '200', expected_response: 'true' } },
      metric: 'http_req_duration',
    });
  });

  it('refuses to overwrite unless asked, and names an unwritable path', async () => {
    const path = join(dir, 'exists.json');
    writeFileSync(path, 'old');
    await expect(new NdjsonOutput().open(path)).rejects.toThrow(`--out json: ${path} already exists; refusing to overwrite it`);
    const out = new NdjsonOutput(null, null, { overwrite: true });
    await out.open(path);
    await out.close();
    expect(readFileSync(path, 'utf8')).toBe('');
    await expect(new NdjsonOutput().open(join(path, 'x.json'))).rejects.toThrow(`--out json: cannot write ${join(path, 'x.json')}: ENOTDIR`);
    // missing directories are created
    const nested = join(dir, 'a', 'b', 'x.json');
    const out2 = new NdjsonOutput();
    await out2.open(nested);
    await out2.close();
    expect(existsSync(nested)).toBe(true);
  });

  it('keeps memory bounded under a flood of 1e6 points, counting drops', async () => {
    const registry = new MetricRegistry();
    const maxPendingBytes = 4 * 1024 * 1024;
    const chunkBytes = 64 * 1024;
    const out = new NdjsonOutput(null, null, { maxPendingBytes, chunkBytes });
    const path = join(dir, 'flood.json');
    await out.open(path);
    out.attach(registry);
    const tags = { method: 'POST', status: '200', url: 'http://127.0.0.1:1/v1/chat/completions', scenario: 'default' };
    let maxPending = 0;
    for (let i = 0; i < 1_000_000; i++) {
      registry.add('http_req_duration', 50 + (i % 100) / 7, tags, T0 + i / 100);
      if (i % 1000 === 0) maxPending = Math.max(maxPending, out.pendingBytes);
    }
    expect(maxPending).toBeLessThanOrEqual(maxPendingBytes + 2 * chunkBytes);
    expect(out.dropped).toBeGreaterThan(0);
    expect(out.warning()).toMatch(/^--out json: dropped \d+ of 1000000 points because/);
    const stats = await out.close();
    expect(stats.points + stats.dropped).toBe(1_000_000);
    const text = readFileSync(path, 'utf8');
    const n = text.split('\n').length - 1;
    expect(n).toBe(stats.points + 1);
    expect(JSON.parse(text.slice(text.lastIndexOf('\n', text.length - 2) + 1))).toMatchObject({ type: 'Point', metric: 'http_req_duration' });
  });

  it('a chunk on its way to the disk is no backpressure; VUs waiting on a slow disk share one drain wait', async () => {
    const registry = new MetricRegistry();
    const chunkBytes = 64 * 1024;
    const out = new NdjsonOutput(null, null, { chunkBytes, maxPendingBytes: 32 * 1024 * 1024 });
    await out.open(join(dir, 'chunk.json'));
    out.attach(registry);
    const itl = registry.define('itl', 'trend', 'time');
    const tags = { scenario: 'default', url: 'http://127.0.0.1:1/v1/chat/completions' };
    let i = 0;
    // Synchronously, past one chunk: it is handed to the file stream (beyond its 16 KiB mark).
    while (out.pendingBytes < chunkBytes + 1024) registry.addTo(itl, 10 + (i++ % 7), tags, T0);
    expect(out.pendingBytes).toBeGreaterThan(16 * 1024);
    expect(out.backpressured).toBe(false);
    // Half of maxPendingBytes unwritten is the disk falling behind.
    while (out.pendingBytes < 16 * 1024 * 1024) registry.addTo(itl, 10 + (i++ % 7), tags, T0);
    expect(out.backpressured).toBe(true);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    await Promise.all(Array.from({ length: 50 }, () => out.drain()));
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    expect(warnings).toEqual([]);
    expect(out.backpressured).toBe(false);
    const stats = await out.close();
    expect(stats).toMatchObject({ points: i, dropped: 0 });
  });

  it('loses nothing when the producer awaits drain() under backpressure', async () => {
    const registry = new MetricRegistry();
    const out = new NdjsonOutput(null, null, { maxPendingBytes: 1024 * 1024, chunkBytes: 16 * 1024 });
    const path = join(dir, 'paced.json.gz');
    await out.open(path);
    out.attach(registry);
    let waits = 0;
    for (let i = 0; i < 200_000; i++) {
      registry.add('http_reqs', 1, { status: '200', n: String(i) }, T0);
      if (out.backpressured) {
        waits++;
        await out.drain();
      }
    }
    const stats = await out.close();
    expect(stats).toMatchObject({ points: 200_000, dropped: 0 });
    expect(waits).toBeGreaterThan(0);
    const text = gunzipSync(readFileSync(path)).toString('utf8');
    expect(text.split('\n').length - 1).toBe(200_001);
    expect(existsSync(path)).toBe(true);
  });
});
