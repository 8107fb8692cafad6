// The HTML report in real headless Chromium: loads with no console or page errors, makes no
// request, and its charts draw. Skipped (visibly) only when /usr/bin/chromium is absent.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareResults } from './compare.ts';
import { resultFromSummary } from './from-summary.ts';
import { parseGates } from './gates.ts';
import { chartSpecs, escapeHtml, renderHtml } from './html.ts';
import { PointAggregator, readPoints, scanLine } from './points.ts';

const CHROMIUM = '/usr/bin/chromium';
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

const streaming = resultFromSummary(fixture('constructed/handle-summary-streaming.json'), {
  memory: { peak_rss_bytes: 125_829_120, avg_rss_bytes: 98_566_144, samples: 21, source: 'target-pid' },
  cpu: { avg_percent: 85.2, peak_percent: 99 },
}).result;
const hostile = { ...streaming, name: '<img src=x onerror=alert(1)></script><script>window.__pwned=1</script>', target: 'http://"quoted"' };

/** A small k6 NDJSON points file: 5 s at `rate` req/s (≤ 20), `failures` per second, latency + `slowerMs`. */
function pointsText(rate = 20, slowerMs = 0, failures = 1): string {
  const lines: string[] = ['{"type":"Metric","data":{"name":"http_reqs","type":"counter","contains":"default","thresholds":[],"submetrics":null},"metric":"http_reqs"}'];
  for (let s = 0; s < 5; s++) {
    for (let i = 0; i < rate; i++) {
      const time = `2026-11-28T06:00:0${s}.${String(i * 5).padStart(2, '0')}0000000Z`;
      const failed = i < failures;
      const tags = `{"expected_response":"${failed ? 'false' : 'true'}","status":"${failed ? 500 : 200}"}`;
      lines.push(`{"type":"Point","data":{"time":"${time}","value":1,"tags":${tags}},"metric":"http_reqs"}`);
      lines.push(`{"type":"Point","data":{"time":"${time}","value":${50 + slowerMs + s * 10 + i / 10},"tags":${tags}},"metric":"http_req_duration"}`);
      lines.push(`{"type":"Point","data":{"time":"${time}","value":${failed ? 1 : 0},"tags":${tags}},"metric":"http_req_failed"}`);
      lines.push(`{"type":"Point","data":{"time":"${time}","value":${20 + slowerMs + i / 10},"tags":{}},"metric":"ttft"}`);
    }
  }
  return lines.join('\n') + '\n';
}

describe('HTML report content', () => {
  it('escapes every name and keeps scripts out of the embedded data', () => {
    const html = renderHtml(compareResults([{ result: streaming }, { result: hostile }]), { generatedAt: 'T' });
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>window.__pwned');
    expect(html).toContain(escapeHtml(hostile.name));
    expect(html).not.toMatch(/<(link|img|iframe)\b/i);
    expect(html).not.toMatch(/\bsrc=["']https?:/i);
    expect(html).toContain("default-src 'none'");
  });

  it('builds charts only for what was measured', () => {
    const go = fixture('constructed/go-runner-result.json');
    const ids = chartSpecs(compareResults([{ result: resultFromSummary(go).result }])).map((c) => c.id);
    expect(ids).toEqual(['latency', 'rps', 'errors']);
    const all = chartSpecs(compareResults([{ result: streaming }]), []).map((c) => c.id);
    expect(all).toEqual(['latency', 'rps', 'errors', 'ttft', 'tps', 'memory', 'cpu']);
  });
});

describe.skipIf(!existsSync(CHROMIUM))(`HTML report in headless Chromium (${CHROMIUM})`, () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'llmux-html-'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loads without errors or requests, and every chart draws', async () => {
    const pointsFile = path.join(dir, 'points.ndjson');
    await writeFile(pointsFile, pointsText());
    const series = await readPoints(pointsFile);
    expect(series.requests).toEqual([20, 20, 20, 20, 20]);
    const slowerFile = path.join(dir, 'slower.ndjson');
    await writeFile(slowerFile, pointsText(12, 30, 3));
    const slower = await readPoints(slowerFile);
    const baseline = { ...streaming, name: 'direct', latency_p50: 240_000_000, latency_p95: 250_000_000, latency_p99: 260_000_000 };
    const comparison = compareResults([{ result: streaming }, { result: hostile }], {
      baseline: { result: baseline },
      failOn: parseGates('p99:+10%'),
    });
    const html = renderHtml(comparison, { series: [series, slower, null] });
    const file = path.join(dir, 'report.html');
    await writeFile(file, html);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) requests.push(request.url());
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    // Page code as strings: it runs in the browser, outside this file's (Node) types.
    await page.waitForFunction("document.querySelectorAll('.plot canvas').length >= document.querySelectorAll('.plot').length");
    const charts = await page.evaluate<{ id: string; width: number; height: number; drawn: number }[]>(`
      [...document.querySelectorAll('.plot')].map((plot) => {
        const canvas = plot.querySelector('canvas');
        if (!canvas) return { id: plot.id, width: 0, height: 0, drawn: 0 };
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        // Pixels of the first run's colour (blue, #3b6fd8): its bars or line, not just axes and grid.
        let drawn = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3] > 0 && data[i + 2] > data[i] + 60 && data[i + 2] > data[i + 1] + 40) drawn++;
        }
        return { id: plot.id, width: canvas.width, height: canvas.height, drawn };
      })`);
    const ids = charts.map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['chart-latency', 'chart-rps', 'chart-errors', 'chart-ttft', 'chart-memory', 'chart-overhead', 'chart-ts-rps', 'chart-ts-latency', 'chart-ts-errors', 'chart-ts-ttft']));
    for (const chart of charts) {
      expect(chart.width, chart.id).toBeGreaterThan(0);
      expect(chart.height, chart.id).toBeGreaterThan(0);
      expect(chart.drawn, `${chart.id} draws the first run`).toBeGreaterThan(50);
    }
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(await page.locator('h1').textContent()).toContain('<img src=x');
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    const shot = path.join(tmpdir(), 'llmux-report-screenshot.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(readFileSync(shot).length).toBeGreaterThan(10_000);
    await page.close();
  });
});

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
