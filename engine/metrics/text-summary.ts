// The end-of-test text summary printed when a script has no handleSummary, laid out as k6's
// default (compact) summary since v1.0 (grafana/k6 internal/js/summary.js, internal/output/summary):
// THRESHOLDS (each expression ✓/✗ with its value), TOTAL RESULTS (check totals, every check by
// name in the order first seen, metrics under CUSTOM / HTTP / EXECUTION / NETWORK / ...; checks,
// group_duration and the HTTP phase timings left out). Value formats follow k6's.
// A pure function of the handleSummary data (and the thresholds' values).
import type { CheckData, GroupData } from './groups.ts';
import type { SummaryData, SummaryMetric } from './summary.ts';
import { aggregationKey, parseThresholdExpression } from './thresholds-parser.ts';

export interface TextSummaryOptions {
  /**
   * Each threshold's value by metric and source, shown when the summary's stats lack it (a p(99)
   * threshold with summaryTrendStats that has no p(99)), as k6 does since v1.0.
   */
  thresholdValues?: Map<string, Map<string, number>>;
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

/** Every check once by name, counts added up across groups, in the order first seen (k6 compact). */
function flatChecks(group: GroupData, into = new Map<string, CheckData>()): Map<string, CheckData> {
  for (const check of group.checks) {
    const seen = into.get(check.name);
    if (seen === undefined) into.set(check.name, { ...check });
    else {
      seen.passes += check.passes;
      seen.fails += check.fails;
    }
  }
  for (const child of group.groups) flatChecks(child, into);
  return into;
}

function checkListLines(indent: string, data: SummaryData, paint: Paint): string[] {
  const checks = [...flatChecks(data.root_group).values()];
  if (checks.length === 0) return [];
  return [...checks.flatMap((check) => checkLines(indent, check, paint)), ''];
}

function thresholdLines(indent: string, data: SummaryData, paint: Paint, values?: Map<string, Map<string, number>>): string[] {
  const lines: string[] = [];
  for (const [name, metric] of sortedMetrics(data)) {
    if (!metric.thresholds) continue;
    lines.push(`${indent}${name}`);
    for (const [expr, { ok }] of Object.entries(metric.thresholds)) {
      let shown = '';
      try {
        const key = aggregationKey(parseThresholdExpression(expr));
        const v = metric.values[key] ?? values?.get(name)?.get(expr);
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

// k6 matches these by prefix (internal/output/summary/data.go), so a custom metric named
// http_reqs_x lands in HTTP, and checks_x is left out.
const startsWithOneOf =
  (...names: string[]) =>
  (n: string): boolean =>
    names.some((p) => n.startsWith(p));
/** Left out of the compact summary. */
const SKIPPED = startsWithOneOf('checks', 'group_duration', 'http_req_blocked', 'http_req_connecting', 'http_req_receiving', 'http_req_sending', 'http_req_tls_handshaking', 'http_req_waiting');
const SECTIONS: ReadonlyArray<[string, (name: string) => boolean]> = [
  ['HTTP', startsWithOneOf('http_reqs', 'http_req_failed', 'http_req_duration')],
  ['EXECUTION', startsWithOneOf('vus', 'vus_max', 'iterations', 'iteration_duration', 'dropped_iterations')],
  ['NETWORK', startsWithOneOf('data_sent', 'data_received')],
  ['BROWSER', (n) => n.startsWith('browser_') && !n.startsWith('browser_web_vital_')],
  ['WEB_VITALS', (n) => n.startsWith('browser_web_vital_')],
  ['GRPC', (n) => n.startsWith('grpc_')],
  ['WEBSOCKETS', (n) => n.startsWith('ws_')],
];
/** k6 lists CUSTOM first, then the built-in sections. */
const sectionOf = (name: string): string => SECTIONS.find(([, belongs]) => belongs(name))?.[0] ?? 'CUSTOM';
const SECTION_ORDER = ['CUSTOM', ...SECTIONS.map(([title]) => title)];

/** The metrics under HTTP / EXECUTION / NETWORK / CUSTOM headings, columns aligned across all. */
function metricLines(indent: string, data: SummaryData, paint: Paint): string[] {
  const { summaryTrendStats: stats, summaryTimeUnit: unit } = data.options;
  const metrics = sortedMetrics(data).filter(([name]) => !SKIPPED(name));
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
  for (const title of SECTION_ORDER) {
    const members = metrics.filter(([name]) => sectionOf(name.split('{', 1)[0]) === title);
    if (members.length === 0) continue;
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
  const thresholds = thresholdLines(`${indent}   `, data, paint, opts.thresholdValues);
  if (thresholds.length > 0) lines.push(`${indent} ${GROUP} THRESHOLDS`, '', ...thresholds);
  lines.push(`${indent} ${GROUP} TOTAL RESULTS`, '');
  lines.push(...checkTotals(`${indent}   `, data, paint));
  lines.push(...checkListLines(`${indent}   `, data, paint));
  lines.push(...metricLines(`${indent}   `, data, paint));
  lines.push(`${indent}   test run duration: ${humanizeDuration(data.state.testRunDurationMs)}`, '');
  return lines.join('\n');
}
