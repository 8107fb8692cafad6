// Results of `bench --sweep` in compare: the capacity row, gates on it, SLO mismatches, and the
// latency-against-throughput chart (drawn in real Chromium when it is installed).
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { compareResults } from './compare.ts';
import { resultFromSummary } from './from-summary.ts';
import { chartSpecs, renderHtml } from './html.ts';
import { renderMarkdown, renderTable } from './render.ts';
import type { Capacity, CapacityStep, Result } from './schema.ts';
import { ResultSchema } from './schema.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`reporter/capacity.test.ts: browser test SKIPPED, ${CHROMIUM} not found (apt-get install chromium)`);

const go = resultFromSummary(JSON.parse(readFileSync(new URL('./fixtures/constructed/go-runner-result.json', import.meta.url), 'utf8'))).result;

const step = (offered: number, p99: number, ok: boolean): CapacityStep => ({
  offered_rps: offered, achieved_rps: offered * 0.99, p50_ms: 50, p99_ms: p99, error_rate: 0, dropped: 0, vus: 100, ok, failed_on: ok ? [] : ['p99'],
});
const slo = { p99_ms: 102, error_rate: 0.01, ttft_p99_ms: null, source: '2x the baseline p99 of 51.0 ms at 50 rps' };
function swept(name: string, max: number, steps: CapacityStep[], over: Partial<Capacity> = {}): Result {
  const capacity: Capacity = { max_rps_within_slo: max, slo, limited_by: 'target', step_duration_s: 5, steps, ...over };
  return ResultSchema.parse({ ...go, name, capacity, load: { model: 'open', offered_rps: max, achieved_rps: max, dropped_iterations: 0, warmup_seconds: 1 } });
}
const mock = swept('baseline', 400, [step(100, 51, true), step(200, 52, true), step(400, 60, true), step(800, 900, false), step(600, 500, false), step(500, 300, false), step(450, 150, false), step(425, 110, false)]);
const proxy = swept('proxy', 300, [step(100, 53, true), step(200, 58, true), step(400, 700, false), step(300, 80, true), step(350, 140, false), step(325, 105, false), step(312, 103, false)]);

describe('compare with capacity sweeps', () => {
  it('shows a capacity row, higher is better, with Δ against the reference', () => {
    const c = compareResults([{ result: mock }, { result: proxy }]);
    const row = c.rows.find((r) => r.key === 'capacity')!;
    expect(row).toMatchObject({ label: 'capacity within SLO', values: [400, 300], best: 0, delta: -100, verdict: 'worse' });
    expect(renderTable(c)).toMatch(/capacity within SLO +400\.00\/s \* +300\.00\/s +−100\.00\/s worse +0\.750x/);
    expect(renderMarkdown(c)).toContain('| capacity within SLO |');
  });

  it('takes gates like capacity:-10%', () => {
    const failed = compareResults([{ result: mock }, { result: proxy }], { failOn: 'capacity:-10%' });
    expect(failed.ok).toBe(false);
    expect(failed.gates[0].message).toBe('capacity:-10%: FAILED, capacity −25.00% (400.00/s → 300.00/s), proxy vs baseline');
    const held = compareResults([{ result: mock }, { result: swept('close', 380, [step(380, 90, true)]) }], { failOn: 'capacity:-10%' });
    expect(held.ok).toBe(true);
  });

  it('does not flag the per-step loads of sweeps as mismatched, but does flag different SLOs', () => {
    expect(compareResults([{ result: mock }, { result: proxy }]).mismatches).toEqual([]);
    const other = swept('strict', 300, proxy.capacity!.steps, { slo: { ...slo, p99_ms: 80, source: '--slo-p99' } });
    const c = compareResults([{ result: mock }, { result: other }]);
    expect(c.mismatches).toEqual([{ setting: 'capacity SLO', values: ['p99 <= 102.0 ms, errors <= 1.00%', 'p99 <= 80.0 ms, errors <= 1.00%'] }]);
  });

  it('draws p99 against achieved throughput for every run, each knee marked, and the SLO bound', () => {
    const chart = chartSpecs(compareResults([{ result: mock }, { result: proxy }])).find((c) => c.id === 'capacity')!;
    expect(chart).toMatchObject({ kind: 'lines', unit: 'ms', xLabel: 'achieved requests/s', spanGaps: true });
    expect(chart.x).toEqual([...new Set([...mock.capacity!.steps, ...proxy.capacity!.steps].map((s) => Math.round(s.offered_rps * 9.9) / 10))].sort((a, b) => a - b));
    expect(chart.series.map((s) => s.label)).toEqual([
      'baseline p99', 'baseline knee: 400 rps within the SLO', 'proxy p99', 'proxy knee: 300 rps within the SLO', 'SLO p99 bound',
    ]);
    const knee = chart.series[3].values;
    expect(knee.filter((v) => v !== null)).toEqual([80]);
    expect(chart.x![knee.findIndex((v) => v !== null)]).toBe(297);
    expect(chartSpecs(compareResults([{ result: go }])).map((c) => c.id)).not.toContain('capacity');
  });

  it.skipIf(!HAVE_CHROMIUM)('renders the capacity chart in headless Chromium with its legend', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'llmux-capacity-'));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'] });
    try {
      const file = path.join(dir, 'capacity.html');
      await writeFile(file, renderHtml(compareResults([{ result: mock }, { result: proxy }])));
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      const legend = page.locator('#chart-capacity .u-legend');
      await legend.waitFor();
      expect(await legend.textContent()).toContain('proxy knee: 300 rps within the SLO');
      // Pixels of the first run's colour: the baseline's line is drawn.
      let drawn = 0;
      for (let i = 0; i < 100 && drawn <= 50; i++) {
        drawn = await page.evaluate<number>(`(() => {
          const canvas = document.querySelector('#chart-capacity canvas');
          if (!canvas) return -1;
          const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
          let n = 0;
          for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && data[i + 2] > data[i] + 60 && data[i + 2] > data[i + 1] + 40) n++;
          return n;
        })()`);
        if (drawn <= 50) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(drawn).toBeGreaterThan(50);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
