// Text renderers of a comparison: terminal table, markdown (pull-request comments) and JSON.
// Pure functions of the model; the HTML renderer lives in html.ts.
import type { Comparison, Row } from './compare.ts';
import { formatDelta, formatRatio, formatValue } from './metrics.ts';
import type { ErrorSample, Plateau } from './schema.ts';

const VERDICT_MARK = { better: 'better', worse: 'worse', same: 'same' } as const;

function header(c: Comparison): string[] {
  return ['metric', ...c.runs.map((run) => (run.is_baseline ? `${run.label} (baseline)` : run.label)), 'Δ', 'ratio'];
}

function cells(row: Row, mark: (text: string) => string): string[] {
  const values = row.values.map((value, i) => (i === row.best ? mark(formatValue(value, row.unit)) : formatValue(value, row.unit)));
  const delta = row.delta === null ? '—' : `${formatDelta(row.delta, row.unit)}${row.verdict && row.verdict !== 'same' ? ` ${VERDICT_MARK[row.verdict]}` : ''}`;
  return [row.label, ...values, delta, formatRatio(row.ratio)];
}

/** Notes under the table: what Δ means, open-model load. */
function notes(c: Comparison): string[] {
  const lines: string[] = [];
  const ref = c.runs[c.reference];
  const last = c.runs[c.runs.length - 1];
  if (c.runs.length > 1) {
    const unranked = c.runs.some((run) => !run.ranked) ? ` Runs failing more than ${(c.max_error_rate * 100).toFixed(2)}% of requests are not ranked.` : '';
    lines.push(`Δ and ratio: ${last.label} against ${ref.label}${ref.is_baseline ? ' (baseline)' : ''}; better value marked.${unranked}`);
  }
  lines.push(...openModelLines(c));
  return lines;
}

const gateLines = (c: Comparison): string[] => c.gates.map((gate) => (gate.ok ? `gate ${gate.message}` : `regression: ${gate.message}`));

export const WARNING_MARK = '⚠';

/** One line per sample: kind, status, how many, the body on one line. */
export function sampleText(sample: ErrorSample): string {
  const status = sample.status === null ? 'no response' : String(sample.status);
  return `${sample.kind} ${status} ×${sample.count}: ${oneLine(sample.body) || '(empty body)'}`;
}

/** Control characters (newlines included) as escapes, so a body stays on its line. */
const oneLine = (text: string) => text.replace(/[\u0000-\u001f\u007f]/g, (ch) => (ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : ch === '\t' ? '\\t' : `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)).trim();

function warningLines(c: Comparison): string[] {
  return c.warnings.length ? ['Warnings:', ...c.warnings.map((w) => `${WARNING_MARK} ${w}`), ''] : [];
}

function sampleLines(c: Comparison): string[] {
  return c.error_samples.flatMap(({ label, samples }) => [`Error samples of ${label}:`, ...samples.map((s) => `  ${sampleText(s)}`), '']);
}

/** The rate an open-model run was offered against what it achieved: the load it really measured. */
export function openModelLines(c: Comparison): string[] {
  return c.results.flatMap((result, i) => {
    const load = result.load;
    if (load?.model !== 'open') return [];
    const offered = load.offered_rps ?? null;
    const achieved = load.achieved_rps ?? null;
    const share = offered && achieved !== null ? ` (${((100 * achieved) / offered).toFixed(0)}%)` : '';
    return [`open model: ${c.runs[i].label} offered ${formatValue(offered, 'rps')}, achieved ${formatValue(achieved, 'rps')}${share}, ${load.dropped_iterations ?? '?'} dropped iterations`];
  });
}

const PLATEAU_HEAD = ['VUs', 'requests', 'failed', 'error rate', 'requests/s', 'p50', 'p95', 'p99'];

/** One row per plateau: latency and errors against concurrency. */
function plateauRows(plateaus: Plateau[]): string[][] {
  return plateaus.map((p) => [
    String(p.vus),
    formatValue(p.total_requests, 'count'),
    formatValue(p.failed_requests, 'count'),
    formatValue(p.error_rate ?? null, 'ratio'),
    formatValue(p.rps ?? null, 'rps'),
    formatValue(p.latency_p50, 'ns'),
    formatValue(p.latency_p95, 'ns'),
    formatValue(p.latency_p99, 'ns'),
  ]);
}

function alignedLines(rows: string[][]): string[] {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => [...r[col]].length)));
  const line = (r: string[]) => r.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col]))).join('  ').trimEnd();
  return [line(rows[0]), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
}

function plateauTables(c: Comparison): string[] {
  return c.plateaus.flatMap(({ label, plateaus }) => [`Plateaus of ${label}:`, ...alignedLines([PLATEAU_HEAD, ...plateauRows(plateaus)]), '']);
}

export function renderTable(c: Comparison): string {
  const rows = [header(c), ...c.rows.map((row) => cells(row, (text) => `${text} *`))];
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => [...r[col]].length)));
  const line = (r: string[]) => r.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col]))).join('  ').trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  const body = [line(rows[0]), rule];
  let group: string | null = null;
  for (let i = 1; i < rows.length; i++) {
    const rowGroup = c.rows[i - 1].group;
    if (group !== null && rowGroup !== group) body.push('');
    group = rowGroup;
    body.push(line(rows[i]));
  }
  const noteLines = notes(c);
  return [...body, '', ...plateauTables(c), ...noteLines, ...(noteLines.length ? [''] : []), ...warningLines(c), ...sampleLines(c), ...gateLines(c)].join('\n').trimEnd() + '\n';
}

const mdEscape = (text: string) => text.replace(/[|\\`*_<>[\]]/g, (ch) => `\\${ch}`);

export function renderMarkdown(c: Comparison): string {
  const head = header(c).map(mdEscape);
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  // Escape first, then bold the better value, so the markers survive.
  for (const row of c.rows) lines.push(`| ${cells(row, (text) => `\u0000${text}`).map((cell) => (cell.startsWith('\u0000') ? `**${mdEscape(cell.slice(1))}**` : mdEscape(cell))).join(' | ')} |`);
  const noteItems = [...notes(c), ...gateLines(c)].map((text) => `- ${mdEscape(text)}`);
  const warnings = c.warnings.length ? ['', '**Warnings**', '', ...c.warnings.map((w) => `- ${WARNING_MARK} ${mdEscape(w)}`)] : [];
  const samples = c.error_samples.flatMap(({ label, samples: list }) => ['', `Error samples of **${mdEscape(label)}**:`, '', ...list.map((sample) => `- ${mdEscape(sampleText(sample))}`)]);
  const runs = c.runs.map((run) => `- **${mdEscape(run.label)}**: ${mdEscape([run.target, run.scenario, run.engine, run.start_time, run.file].filter(Boolean).join(', '))}`);
  const plateaus = c.plateaus.flatMap(({ label, plateaus: list }) => [
    '',
    `Plateaus of **${mdEscape(label)}**:`,
    '',
    `| ${PLATEAU_HEAD.join(' | ')} |`,
    `|${PLATEAU_HEAD.map(() => ' ---: ').join('|')}|`,
    ...plateauRows(list).map((row) => `| ${row.map(mdEscape).join(' | ')} |`),
  ]);
  return [...lines, '', ...runs, ...plateaus, ...warnings, ...samples, ...(noteItems.length ? ['', ...noteItems] : [])].join('\n') + '\n';
}

export function renderJson(c: Comparison): string {
  const { results: _results, ...model } = c;
  return JSON.stringify(model, null, 2) + '\n';
}
