// The end-of-test text summary printed when a script has no handleSummary, laid out like k6 v1's:
// THRESHOLDS (each expression ✓/✗ with its value), TOTAL RESULTS (check totals, checks by group,
// metrics under HTTP / EXECUTION / NETWORK / CUSTOM). Value formats follow k6's jslib summary.
// A pure function of the handleSummary data.
import type { CheckData, GroupData } from './groups.ts';
import type { SummaryData, SummaryMetric } from './summary.ts';
import { aggregationKey, parseThresholdExpression } from './thresholds-parser.ts';

export interface TextSummaryOptions {
  /** Prefix of every line (k6: one space). */
  indent?: string;
  /** ANSI colours; default: !options.noColor && state.isStdOutTTY, as k6 decides. */
  enableColors?: boolean;
}

const OK = '✓';
const FAIL = '✗';
const GROUP = '█';
const DETAIL = '↳';
const COLOR = { faint: 2, red: 31, green: 32, cyan: 36 } as const;

type Paint = (text: string, ...codes: number[]) => string;

/** Display width without ANSI escapes (all our glyphs are one column wide). */
const width = (s: string): number => [...s.replace(/\x1b\[[0-9;]*m/g, '')].length;
const pad = (s: string, w: number): string => s + ' '.repeat(Math.max(0, w - width(s)));

const noTrailingZeros = (v: number, digits: number): string => String(Number.parseFloat(v.toFixed(digits)));
const truncTo = (v: number, digits: number): string => noTrailingZeros(Math.trunc(v * 10 ** digits) / 10 ** digits, digits);

function humanizeBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  if (bytes < 10) return `${bytes} B`;
  const e = Math.min(units.length - 1, Math.floor(Math.log(bytes) / Math.log(1000)));
  const v = Math.floor((bytes / 1000 ** e) * 10 + 0.5) / 10;
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[e]}`;
}

/** Milliseconds as k6 prints them: 0s, 158ns, 12.5µs, 43.53ms, 1.26s, 1m5s, 1h2m3s. */
export function humanizeDuration(ms: number, timeUnit = ''): string {
  const fixed: Record<string, [string, number]> = { s: ['s', 0.001], ms: ['ms', 1], us: ['µs', 1000] };
  if (timeUnit in fixed) return `${(ms * fixed[timeUnit][1]).toFixed(2)}${fixed[timeUnit][0]}`;
  if (ms === 0) return '0s';
  if (Math.abs(ms) < 0.001) return `${Math.trunc(ms * 1e6)}ns`;
  if (Math.abs(ms) < 1) return `${truncTo(ms * 1000, 2)}µs`;
  if (Math.abs(ms) < 1000) return `${truncTo(ms, 2)}ms`;
  let out = `${truncTo((ms % 60_000) / 1000, ms > 60_000 ? 0 : 2)}s`;
  let rest = Math.trunc(ms / 60_000);
  if (rest < 1) return out;
  out = `${rest % 60}m${out}`;
  rest = Math.trunc(rest / 60);
  return rest < 1 ? out : `${rest}h${out}`;
}

function humanizeValue(value: number, metric: SummaryMetric, timeUnit: string): string {
  if (metric.type === 'rate') return `${(Math.trunc(value * 100 * 100) / 100).toFixed(2)}%`;
  if (metric.contains === 'data') return humanizeBytes(value);
  if (metric.contains === 'time') return humanizeDuration(value, timeUnit);
  return noTrailingZeros(value, 6);
}

function checkLines(indent: string, check: CheckData, paint: Paint): string[] {
  if (check.fails === 0) return [paint(`${indent}${OK} ${check.name}`, COLOR.green)];
  const pct = Math.floor((100 * check.passes) / (check.passes + check.fails));
  return [
    paint(`${indent}${FAIL} ${check.name}`, COLOR.red),
    paint(`${indent} ${DETAIL}  ${pct}% — ${OK} ${check.passes} / ${FAIL} ${check.fails}`, COLOR.red),
  ];
}

function groupLines(indent: string, group: GroupData, paint: Paint): string[] {
  const lines: string[] = [];
  if (group.name !== '') {
    lines.push(`${indent}${GROUP} ${group.name}`, '');
    indent += '  ';
  }
  for (const check of group.checks) lines.push(...checkLines(indent, check, paint));
  if (group.checks.length > 0) lines.push('');
  for (const child of group.groups) lines.push(...groupLines(indent, child, paint));
  return lines;
}

function thresholdLines(indent: string, data: SummaryData, paint: Paint): string[] {
  const lines: string[] = [];
  for (const [name, metric] of sortedMetrics(data)) {
    if (!metric.thresholds) continue;
    lines.push(`${indent}${name}`);
    for (const [expr, { ok }] of Object.entries(metric.thresholds)) {
      let shown = '';
      try {
        const key = aggregationKey(parseThresholdExpression(expr));
        const v = metric.values[key];
        if (v !== undefined) shown = ` ${key}=${humanizeValue(v, metric, data.options.summaryTimeUnit)}`;
      } catch {
        // an expression we cannot read back is still listed
      }
      lines.push(paint(`${indent}${ok ? OK : FAIL} '${expr}'${shown}`, ok ? COLOR.green : COLOR.red));
    }
    lines.push('');
  }
  return lines;
}

/** Metric names sorted, each submetric right after its parent (as k6 sorts them). */
function sortedMetrics(data: SummaryData): Array<[string, SummaryMetric]> {
  const parentOf = (n: string) => n.split('{', 1)[0];
  return Object.entries(data.metrics).sort(([a], [b]) => {
    const pa = parentOf(a);
    const pb = parentOf(b);
    if (pa !== pb) return pa < pb ? -1 : 1;
    return a.slice(pa.length) < b.slice(pb.length) ? -1 : a.slice(pa.length) > b.slice(pb.length) ? 1 : 0;
  });
}

const SECTIONS: ReadonlyArray<[string, (name: string) => boolean]> = [
  ['HTTP', (n) => n.startsWith('http_')],
  ['EXECUTION', (n) => ['dropped_iterations', 'group_duration', 'iteration_duration', 'iterations', 'vus', 'vus_max'].includes(n)],
  ['NETWORK', (n) => n === 'data_received' || n === 'data_sent'],
  ['CUSTOM', () => true],
];

/** The metrics under HTTP / EXECUTION / NETWORK / CUSTOM headings, columns aligned across all. */
function metricLines(indent: string, data: SummaryData, paint: Paint): string[] {
  const { summaryTrendStats: stats, summaryTimeUnit: unit } = data.options;
  const metrics = sortedMetrics(data).filter(([name]) => name !== 'checks');
  const display = (n: string) => {
    const at = n.indexOf('{');
    return at >= 0 ? `  { ${n.slice(at + 1, -1)} }` : n;
  };
  const nameWidth = Math.max(0, ...metrics.map(([n]) => width(display(n))));

  // Column texts first, so every column can be padded to its widest cell.
  const cells = new Map<string, string[]>();
  const trendWidths = stats.map(() => 0);
  const otherWidths = [0, 0, 0];
  for (const [name, m] of metrics) {
    let row: string[];
    if (m.type === 'trend') {
      row = stats.map((s) => (s === 'count' ? String(m.values[s]) : humanizeValue(m.values[s], m, unit)));
      row.forEach((c, i) => (trendWidths[i] = Math.max(trendWidths[i], width(c))));
    } else {
      const v = m.values;
      row =
        m.type === 'counter'
          ? [humanizeValue(v.count, m, unit), `${humanizeValue(v.rate, m, unit)}/s`]
          : m.type === 'gauge'
            ? [humanizeValue(v.value, m, unit), `min=${humanizeValue(v.min, m, unit)}`, `max=${humanizeValue(v.max, m, unit)}`]
            : [humanizeValue(v.rate, m, unit), `${v.passes} out of ${v.passes + v.fails}`];
      row.forEach((c, i) => (otherWidths[i] = Math.max(otherWidths[i], width(c))));
    }
    cells.set(name, row);
  }

  const line = ([name, m]: [string, SummaryMetric]): string => {
    const row = cells.get(name)!;
    const text =
      m.type === 'trend'
        ? row.map((c, i) => `${stats[i]}=${pad(paint(c, COLOR.cyan), trendWidths[i])}`).join(' ')
        : row.map((c, i) => (i === 0 ? pad(paint(c, COLOR.cyan), otherWidths[0]) : pad(paint(c, COLOR.cyan, COLOR.faint), otherWidths[i]))).join(' ');
    const shown = display(name);
    const dots = paint(`${'.'.repeat(nameWidth - width(shown) + 3)}:`, COLOR.faint);
    return `${indent}${shown}${dots} ${text}`.trimEnd();
  };

  const lines: string[] = [];
  const placed = new Set<string>();
  for (const [title, belongs] of SECTIONS) {
    const members = metrics.filter(([name]) => !placed.has(name) && belongs(name.split('{', 1)[0]));
    if (members.length === 0) continue;
    for (const [name] of members) placed.add(name);
    lines.push(`${indent}${title}`, ...members.map(line), '');
  }
  return lines;
}

/** k6 v1's check totals, from the `checks` Rate. */
function checkTotals(indent: string, data: SummaryData, paint: Paint): string[] {
  const checks = data.metrics.checks;
  if (checks === undefined || checks.type !== 'rate') return [];
  const { passes, fails } = checks.values;
  const total = passes + fails;
  const seconds = data.state.testRunDurationMs / 1000;
  const pct = (n: number) => `${(total > 0 ? Math.trunc((n / total) * 10_000) / 100 : 0).toFixed(2)}%`;
  const rows: Array<[string, string, string]> = [
    ['checks_total', String(total), `${noTrailingZeros(seconds > 0 ? total / seconds : 0, 6)}/s`],
    ['checks_succeeded', pct(passes), `${passes} out of ${total}`],
    ['checks_failed', pct(fails), `${fails} out of ${total}`],
  ];
  const w = Math.max(...rows.map(([, v]) => v.length));
  return [
    ...rows.map(([name, v, extra]) => `${indent}${name}${paint(`${'.'.repeat(22 - name.length)}:`, COLOR.faint)} ${pad(paint(v, COLOR.cyan), w)} ${paint(extra, COLOR.cyan, COLOR.faint)}`),
    '',
  ];
}

export function renderTextSummary(data: SummaryData, opts: TextSummaryOptions = {}): string {
  const indent = opts.indent ?? ' ';
  const colors = opts.enableColors ?? (!data.options.noColor && data.state.isStdOutTTY);
  const paint: Paint = colors ? (text, ...codes) => `\x1b[${codes.join(';')}m${text}\x1b[0m` : (text) => text;
  const lines: string[] = [''];
  const thresholds = thresholdLines(`${indent}   `, data, paint);
  if (thresholds.length > 0) lines.push(`${indent} ${GROUP} THRESHOLDS`, '', ...thresholds);
  lines.push(`${indent} ${GROUP} TOTAL RESULTS`, '');
  lines.push(...checkTotals(`${indent}   `, data, paint));
  lines.push(...groupLines(`${indent}   `, data.root_group, paint));
  lines.push(...metricLines(`${indent}   `, data, paint));
  lines.push(`${indent}   test run duration: ${humanizeDuration(data.state.testRunDurationMs)}`, '');
  return lines.join('\n');
}
