// A small, colourless end-of-test text summary (no remote jslib: runs can be offline).
// Pure function of the summary data.
import type { LlmuxMeta, SummaryData, SummaryMetric } from './summary-types.ts';

const TREND_COLUMNS = ['avg', 'p(50)', 'p(90)', 'p(95)', 'p(99)', 'max'];

function formatTime(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)}s`;
  if (ms >= 1) return `${ms.toFixed(2)}ms`;
  return `${(ms * 1000).toFixed(0)}µs`;
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '-';
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(1) : value.toFixed(2);
}

function formatData(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function formatValue(metric: SummaryMetric, value: number | undefined): string {
  if (value === undefined) return '-';
  if (metric.contains === 'time') return formatTime(value);
  if (metric.contains === 'data') return formatData(value);
  return formatNumber(value);
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function padLeft(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text;
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(2)}%`;
}

function metricLine(name: string, metric: SummaryMetric): string {
  const v = metric.values;
  switch (metric.type) {
    case 'trend':
      // k6's own "med" is the same statistic as p(50) when the latter was not asked for.
      return TREND_COLUMNS.map((col) => padLeft(formatValue(metric, v[col] ?? (col === 'p(50)' ? v.med : undefined)), 10)).join(' ') +
        padLeft(v.count === undefined ? '' : String(v.count), 9);
    case 'rate':
      return `${percent(v.rate ?? 0)}  (${v.passes ?? 0} of ${(v.passes ?? 0) + (v.fails ?? 0)})`;
    case 'counter':
      return `${formatValue(metric, v.count)}  ${formatNumber(v.rate ?? 0)}/s`;
    case 'gauge':
      return `${formatNumber(v.value ?? 0)}  min ${formatNumber(v.min ?? 0)}  max ${formatNumber(v.max ?? 0)}`;
  }
}

/** Natural order, so plateau:100 comes after plateau:25 (k6's runtime ignores localeCompare options). */
function naturalCompare(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    const numeric = /^\d/.test(x) && /^\d/.test(y);
    if (numeric && Number(x) !== Number(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

export function renderTextSummary(
  data: SummaryData & { llmux?: LlmuxMeta },
  extra: { summaryFile?: string } = {},
): string {
  const lines: string[] = [];
  const meta = data.llmux;
  const seconds = ((data.state?.testRunDurationMs ?? 0) / 1000).toFixed(1);
  if (meta) {
    lines.push(`LLMux Bench: ${meta.scenario} scenario "${meta.name}" → ${meta.target}${meta.endpoint} (model ${meta.model})`);
    const load =
      meta.rate !== null
        ? `${meta.rate} req/s, up to ${meta.max_vus} VUs`
        : meta.duration_s > 0 || meta.scenario === 'concurrency'
          ? `${meta.concurrency} VUs`
          : `${meta.requests} requests over ${meta.concurrency} VUs`;
    lines.push(`  ${load}; warm-up ${meta.warmup_s}s; ran ${seconds}s`);
  } else {
    lines.push(`LLMux Bench: ran ${seconds}s`);
  }

  const checks = data.root_group?.checks ?? [];
  if (checks.length > 0) {
    lines.push('', 'checks');
    for (const check of checks) {
      const mark = check.fails === 0 ? '✓' : '✗';
      lines.push(`  ${mark} ${pad(check.name, 32)} ${check.passes} passed, ${check.fails} failed`);
    }
  }

  const names = Object.keys(data.metrics).sort(naturalCompare);
  const thresholdLines: string[] = [];
  for (const name of names) {
    for (const [expr, result] of Object.entries(data.metrics[name].thresholds ?? {})) {
      // Always-true expressions only make submetrics visible; they are not worth a line.
      if (/^(max|rate|count)>=0$/.test(expr)) continue;
      thresholdLines.push(`  ${result.ok ? '✓' : '✗'} ${name}: ${expr}`);
    }
  }
  if (thresholdLines.length > 0) lines.push('', 'thresholds', ...thresholdLines);

  const width = Math.max(24, ...names.map((n) => n.length)) + 2;
  const trends = names.filter((n) => data.metrics[n].type === 'trend');
  if (trends.length > 0) {
    lines.push('', pad('trends', width) + TREND_COLUMNS.map((c) => padLeft(c, 10)).join(' ') + padLeft('count', 9));
    for (const name of trends) lines.push(pad(`  ${name}`, width) + metricLine(name, data.metrics[name]));
  }
  const others = names.filter((n) => data.metrics[n].type !== 'trend');
  if (others.length > 0) {
    lines.push('', 'counters, rates, gauges');
    for (const name of others) lines.push(pad(`  ${name}`, width) + metricLine(name, data.metrics[name]));
  }
  if (extra.summaryFile) lines.push('', `summary data: ${extra.summaryFile}`);
  return `${lines.join('\n')}\n`;
}
