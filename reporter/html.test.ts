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
import { readPoints } from './points.ts';
import { pointsText } from './points-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`reporter/html.test.ts: browser test SKIPPED, ${CHROMIUM} not found (apt-get install chromium)`);
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

const streaming = resultFromSummary(fixture('constructed/handle-summary-streaming.json'), {
  memory: { peak_rss_bytes: 125_829_120, avg_rss_bytes: 98_566_144, samples: 21, source: 'target-pid' },
  cpu: { avg_percent: 85.2, peak_percent: 99 },
}).result;
const hostile = { ...streaming, name: '<img src=x onerror=alert(1)></script><script>window.__pwned=1</script>', target: 'http://"quoted"' };

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

const plateauRun = resultFromSummary(fixture('engine/engine-concurrency-plateaus.summary.json')).result;
const overloaded = {
  ...plateauRun,
  name: 'overloaded',
  plateaus: plateauRun.plateaus!.map((p) => ({ ...p, failed_requests: p.vus, error_rate: p.vus / 100, latency_p50: p.latency_p50! * 3, latency_p99: p.latency_p99! * 2 })),
};

describe('HTML plateau charts', () => {
  it('latency and errors against concurrency, x = the union of the runs\' VU levels', () => {
    const charts = chartSpecs(compareResults([{ result: plateauRun }, { result: { ...overloaded, plateaus: overloaded.plateaus.slice(1) } }]));
    const latency = charts.find((chart) => chart.id === 'plateau-latency')!;
    expect(latency).toMatchObject({ kind: 'lines', unit: 'ms', x: [2, 5, 10, 20], xLabel: 'concurrent VUs' });
    expect(latency.series.map((s) => s.label)).toEqual(['engine-concurrency-plateaus p50', 'engine-concurrency-plateaus p99', 'overloaded p50', 'overloaded p99']);
    expect(latency.series[1].values).toEqual(plateauRun.plateaus!.map((p) => p.latency_p99! / 1e6));
    expect(latency.series[3].values[0]).toBeNull(); // the second run has no 2-VU plateau
    const errors = charts.find((chart) => chart.id === 'plateau-errors')!;
    expect(errors.series).toEqual([
      { label: 'engine-concurrency-plateaus', values: [0, 0, 0, 0], run: 0 },
      { label: 'overloaded', values: [null, 5, 10, 20], run: 1 },
    ]);
    // One colour per run: p50 and p99 of a run share it, p99 dashed.
    expect(latency.series.map((s) => [s.run, Boolean(s.dashed)])).toEqual([[0, false], [0, true], [1, false], [1, true]]);
    expect(chartSpecs(compareResults([{ result: streaming }])).map((chart) => chart.id)).not.toContain('plateau-latency');
  });

  it('a table per run with plateaus, names escaped', () => {
    const html = renderHtml(compareResults([{ result: { ...overloaded, name: '<b>x</b>' } }, { result: streaming }]), { generatedAt: 'T' });
    expect(html.match(/<table class="plateaus">/g)).toHaveLength(1);
    expect(html).toContain('<h2>Plateaus of &lt;b&gt;x&lt;/b&gt;</h2>');
    const p20 = overloaded.plateaus[3];
    expect(html).toContain(`<td class="num">20</td><td class="num">${p20.total_requests}</td><td class="num">20</td><td class="num">20.00%</td>`);
  });
});

describe.skipIf(!HAVE_CHROMIUM)(`HTML report in headless Chromium (${CHROMIUM}${HAVE_CHROMIUM ? '' : ' not found: skipped'})`, () => {
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
        // Pixels of the colour of the chart's first series (its legend marker): its bars or line,
        // not just axes and grid.
        const marker = plot.querySelector('.u-legend .u-marker');
        const [r, g, b] = getComputedStyle(marker).borderColor.match(/\\d+/g).map(Number);
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        let drawn = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3] > 200 && Math.abs(data[i] - r) < 40 && Math.abs(data[i + 1] - g) < 40 && Math.abs(data[i + 2] - b) < 40) drawn++;
        }
        return { id: plot.id, width: canvas.width, height: canvas.height, drawn };
      })`);
    const ids = charts.map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['chart-latency', 'chart-rps', 'chart-errors', 'chart-ttft', 'chart-memory', 'chart-overhead', 'chart-ts-rps', 'chart-ts-latency', 'chart-ts-errors', 'chart-ts-ttft']));
    for (const chart of charts) {
      expect(chart.width, chart.id).toBeGreaterThan(0);
      expect(chart.height, chart.id).toBeGreaterThan(0);
      expect(chart.drawn, `${chart.id} draws its first series`).toBeGreaterThan(50);
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

  it('shows warnings, no best mark or chart for a failing run, one colour per run, negative overhead', async () => {
    const direct = resultFromSummary(fixture('engine/engine-basic.summary.json'), { name: 'direct' }).result;
    const gatewayA = { ...direct, name: 'gateway-a', latency_p50: direct.latency_p50! - 2_000_000, latency_p95: direct.latency_p95! + 3_000_000, rig: { mock_cpu_peak_percent: 40, loadgen_cpu_peak_percent: 102, rig_saturated: true } };
    const broken = { ...resultFromSummary(fixture('engine/engine-basic-all-failed.summary.json'), { name: 'gateway-b' }).result, concurrency: 10, requests: 200 };
    const file = path.join(dir, 'truthful.html');
    await writeFile(file, renderHtml(compareResults([{ result: gatewayA }, { result: broken }], { baseline: { result: direct } })));
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

    expect(await page.locator('section.warnings li').allInnerTexts()).toEqual([
      '⚠ gateway-a: rig saturated (load generator CPU 102%, mock CPU 40%)',
      '⚠ gateway-b: error rate 100.00% above 1.00% (--max-error-rate): not ranked',
    ]);
    // The table as read: gateway-b's latency is "—", never bold; the bold p50 is gateway-a's.
    const cells = async (metric: string) => page.locator('table').first().locator('tr', { has: page.locator(`th:text-is("${metric}")`) }).locator('td').allInnerTexts();
    expect(await cells('latency p50')).toEqual(['7.32 ms', '5.32 ms', '—', '—', '—']);
    expect(await cells('overhead p50')).toEqual(['—', '-2.00 ms', '—', '—', '—']);
    const bold = await page.evaluate<string[]>(`[...document.querySelectorAll('td.best')].map((td) => td.cellIndex + ':' + td.textContent)`);
    expect(bold.every((cell) => !cell.startsWith('3:'))).toBe(true); // column 3 = gateway-b
    expect(bold).toContain('2:5.32 ms');

    // Legends name the runs that have the chart's numbers, nothing else; each run keeps its colour.
    const legends = await page.evaluate<Record<string, [string, string][]>>(`Object.fromEntries([...document.querySelectorAll('.plot')].map((plot) =>
      [plot.id, [...plot.querySelectorAll('.u-legend .u-series')].map((row) => [row.textContent, getComputedStyle(row.querySelector('.u-marker')).borderColor])]))`);
    expect(legends['chart-latency'].map(([label]) => label)).toEqual(['direct', 'gateway-a']); // successful requests only
    expect(legends['chart-errors'].map(([label]) => label)).toEqual(['direct', 'gateway-a', 'gateway-b']);
    expect(legends['chart-overhead'].map(([label]) => label)).toEqual(['gateway-a']);
    const colours = new Map<string, string>();
    for (const [id, entries] of Object.entries(legends)) {
      for (const [label, colour] of entries) {
        expect(colours.get(label) ?? colour, `${label} in ${id}`).toBe(colour);
        colours.set(label, colour);
      }
    }
    expect(new Set(colours.values()).size).toBe(3);

    // The p50 overhead (−2 ms) is drawn: in gateway-a's colour, from zero (where the +3 ms p95 bar
    // ends) downwards. Canvas y grows downwards; columns through the middle of each category.
    const [r, g, b] = colours.get('gateway-a')!.match(/\d+/g)!.map(Number);
    const overhead = await page.evaluate<{ p50: number[]; p95: number[] }>(`(() => {
      const canvas = document.querySelector('#chart-overhead canvas');
      const { data, width, height } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      const axis = 60 * devicePixelRatio; // the y axis' size
      const centre = (k) => Math.round(axis + ((width - axis) * (2 * k + 1)) / 6);
      const column = (x) => {
        const ys = [];
        for (let y = 0; y < height; y++) {
          const i = (y * width + x) * 4;
          if (data[i + 3] > 200 && Math.abs(data[i] - ${r}) < 30 && Math.abs(data[i + 1] - ${g}) < 30 && Math.abs(data[i + 2] - ${b}) < 30) ys.push(y);
        }
        return ys.length ? [Math.min(...ys), Math.max(...ys)] : [];
      };
      return { p50: column(centre(0)), p95: column(centre(1)) };
    })()`);
    expect(overhead.p50, 'negative p50 bar drawn').toHaveLength(2);
    expect(overhead.p95, 'positive p95 bar drawn').toHaveLength(2);
    expect(Math.abs(overhead.p50[0] - overhead.p95[1]), 'both bars meet at zero').toBeLessThanOrEqual(2);
    // −2 ms against +3 ms: the negative bar is about 2/3 the height of the positive one.
    const ratio = (overhead.p50[1] - overhead.p50[0]) / (overhead.p95[1] - overhead.p95[0]);
    expect(ratio).toBeGreaterThan(0.6);
    expect(ratio).toBeLessThan(0.73);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('draws the plateau charts of a concurrency run', async () => {
    const file = path.join(dir, 'plateaus.html');
    await writeFile(file, renderHtml(compareResults([{ result: overloaded }, { result: plateauRun }])));
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    // Blue pixels (the first run's colour) per plateau chart; uPlot may draw on a later frame.
    const countBlue = `Object.fromEntries(['chart-plateau-latency', 'chart-plateau-errors'].map((id) => {
        const canvas = document.querySelector('#' + id + ' canvas');
        if (!canvas) return [id, -1];
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        let n = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && data[i + 2] > data[i] + 60 && data[i + 2] > data[i + 1] + 40) n++;
        return [id, n];
      }))`;
    // Polled from here: the page's CSP forbids the eval that page.waitForFunction(string) needs.
    let drawn: Record<string, number> = {};
    for (let i = 0; i < 100; i++) {
      drawn = await page.evaluate<Record<string, number>>(countBlue);
      if (Object.values(drawn).every((n) => n > 50)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(drawn['chart-plateau-latency'], 'latency chart draws the first run').toBeGreaterThan(50);
    expect(drawn['chart-plateau-errors'], 'errors chart draws the first run').toBeGreaterThan(50);
    // The legend names the series, nothing else (no x entry, no value placeholders).
    expect(await page.locator('#chart-plateau-latency .u-legend .u-series').allTextContents()).toEqual([
      'overloaded p50', 'overloaded p99', 'engine-concurrency-plateaus p50', 'engine-concurrency-plateaus p99',
    ]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
