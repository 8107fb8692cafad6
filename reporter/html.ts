// One self-contained HTML report (no network: uPlot's JS and CSS are inlined, and a Content
// Security Policy forbids loading anything) for one run or a comparison: the comparison table,
// latency percentiles, RPS, errors by kind, TTFT and tokens/s, memory and CPU, overhead, and time
// series (requests/s, latency, errors per second) when the runs' NDJSON points were read.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Comparison } from './compare.ts';
import { formatDelta, formatRatio, formatValue } from './metrics.ts';
import type { PointSeries } from './points.ts';
import { ERROR_KINDS, type Plateau, type Result } from './schema.ts';

export interface HtmlOptions {
  /** NDJSON point series per column of the comparison (null where none). */
  series?: (PointSeries | null)[];
  title?: string;
  /** Fixed timestamp for reproducible output (tests). */
  generatedAt?: string;
}

const require = createRequire(import.meta.url);
let uplotAssets: { js: string; css: string } | null = null;
function uplot(): { js: string; css: string } {
  if (!uplotAssets) {
    const js = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
    const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
    uplotAssets = { js: js.replace(/<\/(script)/gi, '<\\/$1'), css: css.replace(/<\/(style)/gi, '<\\/$1') };
  }
  return uplotAssets;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Text for HTML content and attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]);

/** JSON that is safe inside <script type="application/json">. */
const scriptJson = (value: unknown): string =>
  JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

interface ChartSpec {
  id: string;
  title: string;
  kind: 'bars' | 'lines';
  unit: string;
  categories?: string[];
  x?: number[];
  xLabel?: string;
  /** Short name of x in the legend. */
  xUnit?: string;
  series: { label: string; values: (number | null)[] }[];
  /** Lines: join points across missing x values (series measured at different x). */
  spanGaps?: boolean;
}

const ms = (ns: number | null | undefined) => (ns === null || ns === undefined ? null : ns / 1e6);
const mib = (bytes: number | null | undefined) => (bytes === null || bytes === undefined ? null : bytes / 1048576);

const round1 = (n: number) => Math.round(n * 10) / 10;

/** bench --sweep: p99 against achieved throughput per step, every run on one chart, each knee marked. */
function capacityChart(c: Comparison): ChartSpec | null {
  const sweeps = c.results
    .map((r, i) => ({ capacity: r.capacity, label: c.runs[i].label }))
    .filter((s): s is { capacity: NonNullable<Result['capacity']>; label: string } => Boolean(s.capacity?.steps.length));
  if (sweeps.length === 0) return null;
  const measured = (s: (typeof sweeps)[number]) => s.capacity.steps.filter((step) => step.achieved_rps !== null && step.p99_ms !== null);
  const x = [...new Set(sweeps.flatMap((s) => measured(s).map((step) => round1(step.achieved_rps!))))].sort((a, b) => a - b);
  const series: ChartSpec['series'] = [];
  for (const s of sweeps) {
    const at = new Map(measured(s).map((step) => [round1(step.achieved_rps!), step]));
    series.push({ label: `${s.label} p99`, values: x.map((v) => at.get(v)?.p99_ms ?? null) });
    const knee = measured(s).find((step) => step.offered_rps === s.capacity.max_rps_within_slo);
    if (knee) {
      series.push({ label: `${s.label} knee: ${s.capacity.max_rps_within_slo} rps within the SLO`, values: x.map((v) => (v === round1(knee.achieved_rps!) ? knee.p99_ms : null)) });
    }
  }
  const slo = sweeps[0].capacity.slo.p99_ms;
  if (sweeps.every((s) => s.capacity.slo.p99_ms === slo)) series.push({ label: 'SLO p99 bound', values: x.map(() => slo) });
  return { id: 'capacity', title: 'Latency against throughput (capacity sweep, p99 per step)', kind: 'lines', unit: 'ms', x, xLabel: 'achieved requests/s', xUnit: 'rps', series, spanGaps: true };
}

/** Chart data from the comparison; a chart is left out when no run has its numbers. */
export function chartSpecs(c: Comparison, series: (PointSeries | null)[] = []): ChartSpec[] {
  const labels = c.runs.map((run) => run.label);
  const runs = c.results;
  const charts: ChartSpec[] = [];
  const bars = (id: string, title: string, unit: string, categories: string[], read: (r: Result, cat: number) => number | null) => {
    const data = runs.map((r, i) => ({ label: labels[i], values: categories.map((_, k) => read(r, k)) }));
    if (data.some((d) => d.values.some((v) => v !== null))) charts.push({ id, title, kind: 'bars', unit, categories, series: data });
  };

  const latencyKeys = ['latency_p50', 'latency_p90', 'latency_p95', 'latency_p99'] as const;
  bars('latency', 'Latency percentiles (successful requests)', 'ms', ['p50', 'p90', 'p95', 'p99'], (r, k) => ms(r[latencyKeys[k]]));
  bars('rps', 'Throughput (successful requests)', 'requests/s', ['requests/s'], (r) => r.rps ?? null);

  // Errors by kind; a Go-runner result only knows its failed count.
  const kinds = new Set<string>();
  for (const r of runs) for (const [kind, n] of Object.entries(r.errors ?? {})) if (n > 0 || (ERROR_KINDS as readonly string[]).includes(kind)) kinds.add(kind);
  const unclassified = runs.some((r) => !r.errors && (r.failed_requests ?? 0) > 0);
  const errorCats = [...kinds, ...(unclassified ? ['unclassified'] : [])];
  const anyFailed = runs.some((r) => (r.failed_requests ?? 0) > 0 || Object.values(r.errors ?? {}).some((n) => n > 0));
  if (errorCats.length && anyFailed) {
    bars('errors', 'Failed requests by kind', 'requests', errorCats, (r, k) =>
      errorCats[k] === 'unclassified' ? (r.errors ? 0 : (r.failed_requests ?? null)) : r.errors ? (r.errors[errorCats[k]] ?? 0) : null,
    );
  }

  const ttftKeys = ['ttft_p50', 'ttft_p95', 'ttft_p99'] as const;
  bars('ttft', 'Time to first token', 'ms', ['p50', 'p95', 'p99'], (r, k) => ms(r.streaming?.[ttftKeys[k]]));
  bars('tps', 'Tokens per second per stream', 'tokens/s', ['p50', 'mean'], (r, k) =>
    (k === 0 ? r.streaming?.tokens_per_second_p50 : r.streaming?.tokens_per_second_mean) ?? null,
  );
  bars('memory', 'Memory (RSS)', 'MiB', ['peak', 'avg'], (r, k) => mib(k === 0 ? r.memory?.peak_rss_bytes : r.memory?.avg_rss_bytes));
  bars('cpu', 'CPU', '% of one core', ['avg', 'peak'], (r, k) => (k === 0 ? r.cpu?.avg_percent : r.cpu?.peak_percent) ?? null);
  const overheadRow = (key: string) => c.rows.find((row) => row.key === key);
  const overheadKeys = ['overhead_p50', 'overhead_p95', 'overhead_p99'];
  if (overheadKeys.some((key) => overheadRow(key))) {
    // The baseline itself has no overhead: only runs with numbers get a bar.
    const data = labels
      .map((label, i) => ({ label, values: overheadKeys.map((key) => ms(overheadRow(key)?.values[i])) }))
      .filter((d) => d.values.some((v) => v !== null));
    charts.push({ id: 'overhead', title: 'Overhead over the baseline', kind: 'bars', unit: 'ms', categories: ['p50', 'p95', 'p99'], series: data });
  }

  // Latency and errors against concurrency (concurrency scenario plateaus), x = VUs.
  if (c.plateaus.length) {
    const x = [...new Set(c.plateaus.flatMap(({ plateaus }) => plateaus.map((p) => p.vus)))].sort((a, b) => a - b);
    const at = (plateaus: Plateau[], read: (p: Plateau) => number | null | undefined) =>
      x.map((vus) => {
        const p = plateaus.find((q) => q.vus === vus);
        return p ? (read(p) ?? null) : null;
      });
    const latency = c.plateaus.flatMap(({ label, plateaus }) => [
      { label: `${label} p50`, values: at(plateaus, (p) => ms(p.latency_p50)) },
      { label: `${label} p99`, values: at(plateaus, (p) => ms(p.latency_p99)) },
    ]);
    if (latency.some((s) => s.values.some((v) => v !== null))) {
      charts.push({ id: 'plateau-latency', title: 'Latency against concurrency (p50 and p99 per plateau)', kind: 'lines', unit: 'ms', x, xLabel: 'concurrent VUs', xUnit: 'VUs', series: latency });
    }
    const errors = c.plateaus.map(({ label, plateaus }) => ({ label, values: at(plateaus, (p) => (p.error_rate == null ? null : p.error_rate * 100)) }));
    if (errors.some((s) => s.values.some((v) => v !== null))) {
      charts.push({ id: 'plateau-errors', title: 'Failed requests against concurrency', kind: 'lines', unit: '% failed', x, xLabel: 'concurrent VUs', xUnit: 'VUs', series: errors });
    }
  }

  const capacity = capacityChart(c);
  if (capacity) charts.push(capacity);

  // Time series, seconds since each run's first point.
  const withPoints = series.map((s, i) => ({ s, label: labels[i] })).filter((x): x is { s: PointSeries; label: string } => x.s !== null);
  if (withPoints.length) {
    const length = Math.max(...withPoints.map(({ s }) => s.requests.length));
    const x = Array.from({ length }, (_, i) => i);
    const pad = (values: (number | null)[]) => x.map((i) => (i < values.length ? values[i] : null));
    const toMs = (values: (number | null)[]) => values.map((v) => (v === null ? null : v / 1e6));
    charts.push({ id: 'ts-rps', title: 'Requests per second over time', kind: 'lines', unit: 'requests/s', x, xLabel: 'seconds since start', xUnit: 's', series: withPoints.map(({ s, label }) => ({ label, values: pad(s.requests) })) });
    charts.push({
      id: 'ts-latency', title: 'Latency over time (p50 and p99 per second)', kind: 'lines', unit: 'ms', x, xLabel: 'seconds since start', xUnit: 's',
      series: withPoints.flatMap(({ s, label }) => [
        { label: `${label} p50`, values: pad(toMs(s.latency_p50)) },
        { label: `${label} p99`, values: pad(toMs(s.latency_p99)) },
      ]),
    });
    charts.push({ id: 'ts-errors', title: 'Failed requests per second', kind: 'lines', unit: 'requests/s', x, xLabel: 'seconds since start', xUnit: 's', series: withPoints.map(({ s, label }) => ({ label, values: pad(s.errors) })) });
    if (withPoints.some(({ s }) => s.ttft_p50)) {
      charts.push({
        id: 'ts-ttft', title: 'Time to first token over time (p50 per second)', kind: 'lines', unit: 'ms', x, xLabel: 'seconds since start', xUnit: 's',
        series: withPoints.filter(({ s }) => s.ttft_p50).map(({ s, label }) => ({ label, values: pad(toMs(s.ttft_p50!)) })),
      });
    }
  }
  return charts;
}

function tableHtml(c: Comparison): string {
  const head = ['metric', ...c.runs.map((run) => (run.is_baseline ? `${run.label} (baseline)` : run.label)), 'Δ', 'ratio'];
  const rows = c.rows.map((row) => {
    const values = row.values.map((value, i) => `<td class="num${i === row.best ? ' best' : ''}">${escapeHtml(formatValue(value, row.unit))}</td>`);
    const verdict = row.verdict && row.verdict !== 'same' ? ` ${row.verdict}` : '';
    return `<tr><th scope="row">${escapeHtml(row.label)}</th>${values.join('')}<td class="num ${row.verdict ?? ''}">${escapeHtml(formatDelta(row.delta, row.unit) + verdict)}</td><td class="num">${escapeHtml(formatRatio(row.ratio))}</td></tr>`;
  });
  return `<table><thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Per-plateau numbers of each run that has them (concurrency scenario). */
function plateauTablesHtml(c: Comparison): string {
  const head = ['VUs', 'requests', 'failed', 'error rate', 'requests/s', 'p50', 'p95', 'p99'];
  return c.plateaus
    .map(({ label, plateaus }) => {
      const rows = plateaus.map((p) => {
        const cells = [
          String(p.vus), formatValue(p.total_requests, 'count'), formatValue(p.failed_requests, 'count'), formatValue(p.error_rate ?? null, 'ratio'),
          formatValue(p.rps ?? null, 'rps'), formatValue(p.latency_p50, 'ns'), formatValue(p.latency_p95, 'ns'), formatValue(p.latency_p99, 'ns'),
        ];
        return `<tr>${cells.map((cell) => `<td class="num">${escapeHtml(cell)}</td>`).join('')}</tr>`;
      });
      return `<h2>Plateaus of ${escapeHtml(label)}</h2><table class="plateaus"><thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
    })
    .join('\n');
}

function runsHtml(c: Comparison): string {
  const items = c.runs.map((run) => {
    const facts = [run.target, run.scenario && `scenario ${run.scenario}`, run.engine, run.concurrency !== null && `concurrency ${run.concurrency}`, `${run.total_requests} requests`, run.start_time, run.file]
      .filter(Boolean)
      .map((f) => escapeHtml(String(f)));
    return `<li><strong>${escapeHtml(run.label)}</strong>${run.is_baseline ? ' (baseline)' : ''}: ${facts.join(' · ')}</li>`;
  });
  return `<ul class="runs">${items.join('')}</ul>`;
}

function notesHtml(c: Comparison, series: (PointSeries | null)[]): string {
  const notes: string[] = [];
  for (const warning of c.warnings) notes.push(`<li class="warn">${escapeHtml(warning)}</li>`);
  for (const gate of c.gates) notes.push(`<li class="${gate.ok ? 'ok' : 'fail'}">${escapeHtml(gate.ok ? gate.message : `regression: ${gate.message}`)}</li>`);
  series.forEach((s, i) => {
    if (s && s.stats.bad_lines) notes.push(`<li class="warn">${escapeHtml(`${c.runs[i].label}: ${s.stats.bad_lines} unreadable lines in ${s.file}`)}</li>`);
  });
  return notes.length ? `<ul class="notes">${notes.join('')}</ul>` : '';
}

export function renderHtml(c: Comparison, options: HtmlOptions = {}): string {
  const series = options.series ?? [];
  const charts = chartSpecs(c, series);
  const title = options.title ?? (c.runs.length === 1 ? `LLMux benchmark: ${c.runs[0].label}` : `LLMux benchmark: ${c.runs.map((r) => r.label).join(' vs ')}`);
  const generated = options.generatedAt ?? new Date().toISOString();
  const { js, css } = uplot();
  const sections = charts.map((chart) => `<section class="chart"><h2>${escapeHtml(chart.title)}</h2><div class="plot" id="chart-${escapeHtml(chart.id)}"></div></section>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
<style>${PAGE_CSS}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">Generated ${escapeHtml(generated)}. Latencies of successful requests; the better value of each row is bold.</p>
${runsHtml(c)}
${notesHtml(c, series)}
${tableHtml(c)}
${plateauTablesHtml(c)}
<div class="charts">
${sections.join('\n')}
</div>
<script type="application/json" id="llmux-charts">${scriptJson(charts)}</script>
<script>${js}</script>
<script>${CHART_JS}</script>
</body>
</html>
`;
}

const PAGE_CSS = `
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1d2330; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 0 0 8px; }
.meta { color: #5b6475; margin: 0 0 12px; }
ul.runs, ul.notes { padding-left: 20px; }
li.warn { color: #8a5a00; } li.fail { color: #b00020; font-weight: 600; } li.ok { color: #1b6e2a; }
table { border-collapse: collapse; margin: 12px 0 24px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e3e6ec; text-align: left; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.best { font-weight: 700; }
td.better { color: #1b6e2a; } td.worse { color: #b00020; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 24px; }
.chart { border: 1px solid #e3e6ec; border-radius: 6px; padding: 12px; min-width: 0; }
.plot { width: 100%; min-height: 280px; }
`;

// Runs in the page: draws every chart from the embedded JSON with uPlot. Plain ES2017.
const CHART_JS = `
(function () {
  var specs = JSON.parse(document.getElementById('llmux-charts').textContent);
  var palette = ['#3b6fd8', '#e07b24', '#2a9d5c', '#c43c5c', '#7a4fc9', '#8c6d1f', '#1f8c8c', '#555e70'];
  function fmt(v) {
    if (v == null) return '—';
    if (v === 0) return '0';
    var a = Math.abs(v);
    return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
  }
  // Grouped bars: category k at x = k, run r drawn at its slot inside the category.
  function groupedBars(slots, slot) {
    return function (u, sidx, i0, i1) {
      var fill = new Path2D();
      var xs = u.data[0], ys = u.data[sidx];
      var unit = Math.abs(u.valToPos(1, 'x', true) - u.valToPos(0, 'x', true));
      var group = unit * 0.8, w = group / slots;
      var base = u.valToPos(0, 'y', true);
      for (var i = i0; i <= i1; i++) {
        if (ys[i] == null) continue;
        var left = u.valToPos(xs[i], 'x', true) - group / 2 + w * slot;
        var top = u.valToPos(ys[i], 'y', true);
        fill.rect(left + w * 0.06, Math.min(top, base), w * 0.88, Math.max(1, Math.abs(base - top)));
      }
      return { stroke: fill, fill: fill };
    };
  }
  function draw(spec) {
    var el = document.getElementById('chart-' + spec.id);
    if (!el) return;
    var width = Math.max(320, el.clientWidth || 460);
    var opts, data;
    if (spec.kind === 'bars') {
      var cats = spec.categories;
      data = [cats.map(function (_, i) { return i; })].concat(spec.series.map(function (s) { return s.values; }));
      opts = {
        width: width, height: 280,
        scales: { x: { time: false, range: [-0.5, cats.length - 0.5] }, y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } } },
        axes: [
          { splits: function () { return cats.map(function (_, i) { return i; }); }, values: function (u, splits) { return splits.map(function (s) { return cats[s] == null ? '' : cats[s]; }); }, grid: { show: false } },
          { label: spec.unit, values: function (u, splits) { return splits.map(fmt); }, size: 60 }
        ],
        series: [{ label: 'x', value: function (u, v) { return v == null ? '' : cats[v]; } }].concat(spec.series.map(function (s, r) {
          var color = palette[r % palette.length];
          return { label: s.label, stroke: color, fill: color + 'cc', width: 0, points: { show: false },
                   paths: groupedBars(spec.series.length, r), value: function (u, v) { return fmt(v) + ' ' + spec.unit; } };
        })),
        legend: { live: true }
      };
    } else {
      data = [spec.x].concat(spec.series.map(function (s) { return s.values; }));
      // Short runs have few per-second buckets: show the points, and give a lone one some room.
      var few = spec.x.length <= 30;
      var xScale = { time: false };
      if (spec.x.length < 2) xScale.range = [-0.5, 0.5];
      opts = {
        width: width, height: 280,
        scales: { x: xScale, y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } } },
        axes: [{ label: spec.xLabel }, { label: spec.unit, values: function (u, splits) { return splits.map(fmt); }, size: 60 }],
        series: [{ label: spec.xUnit }].concat(spec.series.map(function (s, r) {
          return { label: s.label, stroke: palette[r % palette.length], width: 1.5, spanGaps: Boolean(spec.spanGaps),
                   points: { show: few, size: 7, fill: palette[r % palette.length] },
                   value: function (u, v) { return fmt(v) + ' ' + spec.unit; } };
        }))
      };
    }
    new uPlot(opts, data, el);
  }
  specs.forEach(draw);
})();
`;
