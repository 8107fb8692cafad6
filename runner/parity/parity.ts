// `llmux-bench parity`: the same scenario, same load, same mock, once under real k6 and once under
// the embedded engine; both summaries go through the reporter's conversion (the numbers compare
// sees), and the main statistics are diffed against a tolerance.
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { resultFromSummary, type Result } from '../../reporter/index.ts';
import { ensureBuilt, scriptPath } from '../engines/build.ts';
import { describeEngine, findK6, K6_INSTALL_HINT, selectEngine, type SelectedEngine } from '../engines/engine-select.ts';
import { runLoad, type LoadRun, type RunLoadOptions } from '../engines/load.ts';
import { startMockProcess, type MockProcess } from '../processes/mock-process.ts';

export interface ParityOptions {
  scenario: string;
  script?: string;
  /** Scenario env shared by both runs (REQUESTS, CONCURRENCY, ...); TARGET, NAME, OUTPUT are set here. */
  env: [string, string][];
  mockArgs: string[];
  name: string;
  /** Run folder; both summaries are written in it. */
  outputDir: string;
  /** Relative tolerance in percent (rps, latencies). */
  tolerancePct: number;
  /** Absolute tolerance for times, ms: a latency diff within this is fine however small the value. */
  toleranceMs: number;
  /** Absolute tolerance for the error rate (0.01 = one percentage point). */
  toleranceErrorRate: number;
  /** Runs are by count (exact request totals expected) rather than by duration. */
  byCount: boolean;
}

export interface ParityDeps {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: Writable;
  stderr: Writable;
  findK6: (env: NodeJS.ProcessEnv) => string | null;
  selectEngine: (mode: 'k6' | 'embedded', env: NodeJS.ProcessEnv) => Promise<SelectedEngine>;
  build: () => Promise<unknown>;
  startMock: (args: string[]) => Promise<Pick<MockProcess, 'url' | 'stop'>>;
  runLoad: (options: RunLoadOptions) => Promise<Pick<LoadRun, 'exitCode' | 'summary' | 'stderr'>>;
}

export const defaultParityDeps = (): ParityDeps => ({
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  findK6,
  selectEngine,
  build: ensureBuilt,
  startMock: (args) => startMockProcess(args),
  runLoad,
});

type Kind = 'count' | 'rate' | 'time' | 'ratio';

interface StatDef {
  label: string;
  kind: Kind;
  get: (result: Result) => number | null | undefined;
}

const ms = (ns: number | null | undefined): number | null => (ns === null || ns === undefined ? null : ns / 1e6);

export const STATS: StatDef[] = [
  { label: 'requests', kind: 'count', get: (r) => r.total_requests },
  { label: 'rps', kind: 'rate', get: (r) => r.rps },
  { label: 'p50 ms', kind: 'time', get: (r) => ms(r.latency_p50) },
  { label: 'p95 ms', kind: 'time', get: (r) => ms(r.latency_p95) },
  { label: 'p99 ms', kind: 'time', get: (r) => ms(r.latency_p99) },
  { label: 'error rate', kind: 'ratio', get: (r) => r.error_rate },
  { label: 'ttft p50 ms', kind: 'time', get: (r) => ms(r.streaming?.ttft_p50) },
  { label: 'ttft p95 ms', kind: 'time', get: (r) => ms(r.streaming?.ttft_p95) },
  { label: 'ttft p99 ms', kind: 'time', get: (r) => ms(r.streaming?.ttft_p99) },
];

export interface ParityRow {
  label: string;
  k6: number | null;
  embedded: number | null;
  diff: number | null;
  /** Relative difference in percent of the k6 value; null when k6's value is 0 or missing. */
  diffPct: number | null;
  verdict: 'ok' | 'DIFF' | 'MISSING';
}

/** Rows for the statistics either side measured; a statistic only one side has is MISSING. */
export function parityRows(k6: Result, embedded: Result, options: Pick<ParityOptions, 'tolerancePct' | 'toleranceMs' | 'toleranceErrorRate' | 'byCount'>): ParityRow[] {
  const rows: ParityRow[] = [];
  for (const stat of STATS) {
    const a = stat.get(k6) ?? null;
    const b = stat.get(embedded) ?? null;
    if (a === null && b === null) continue;
    if (a === null || b === null) {
      rows.push({ label: stat.label, k6: a, embedded: b, diff: null, diffPct: null, verdict: 'MISSING' });
      continue;
    }
    const diff = b - a;
    const diffPct = a === 0 ? null : (diff / a) * 100;
    const relative = Math.abs(a) * (options.tolerancePct / 100);
    const allowed =
      stat.kind === 'time' ? Math.max(relative, options.toleranceMs)
      : stat.kind === 'ratio' ? options.toleranceErrorRate
      : stat.kind === 'count' && options.byCount ? 0
      : relative;
    rows.push({ label: stat.label, k6: a, embedded: b, diff, diffPct, verdict: Math.abs(diff) <= allowed + 1e-9 ? 'ok' : 'DIFF' });
  }
  return rows;
}

function fmt(value: number | null, kind: Kind, signed = false): string {
  if (value === null) return '-';
  const sign = signed && value > 0 ? '+' : '';
  if (kind === 'ratio') return `${sign}${(value * 100).toFixed(2)}%`;
  if (kind === 'count') return `${sign}${Math.round(value)}`;
  return `${sign}${value.toFixed(kind === 'rate' ? 1 : 2)}`;
}

export function renderParityTable(rows: ParityRow[]): string {
  const kindOf = (label: string): Kind => STATS.find((s) => s.label === label)!.kind;
  const table = [
    ['statistic', 'k6', 'embedded', 'diff', 'diff %', 'verdict'],
    ...rows.map((row) => {
      const kind = kindOf(row.label);
      const diff = kind === 'ratio' && row.diff !== null ? `${row.diff > 0 ? '+' : ''}${(row.diff * 100).toFixed(2)} pp` : fmt(row.diff, kind, true);
      const pct = row.diffPct === null ? '-' : `${row.diffPct > 0 ? '+' : ''}${row.diffPct.toFixed(1)}%`;
      return [row.label, fmt(row.k6, kind), fmt(row.embedded, kind), diff, kind === 'ratio' ? '-' : pct, row.verdict];
    }),
  ];
  const widths = table[0].map((_, col) => Math.max(...table.map((line) => line[col].length)));
  return table
    .map((line) => line.map((cell, col) => (col === 0 || col === line.length - 1 ? cell.padEnd(widths[col]) : cell.padStart(widths[col]))).join('  ').trimEnd())
    .join('\n');
}

/** Exit codes: 0 within tolerance (or no k6 here), 1 differences over tolerance or a failed run. */
export async function parityCommand(options: ParityOptions, deps: ParityDeps): Promise<number> {
  const print = (line: string): void => void deps.stdout.write(`${line}\n`);
  const say = (line: string): void => void deps.stderr.write(`${line}\n`);
  if (!deps.findK6(deps.env)) {
    print('parity: k6 is not installed here (not in K6_BIN or PATH), so there is nothing to compare the embedded engine with.');
    print(`To run it: ${K6_INSTALL_HINT.replace(/, or use --engine embedded$/, '')}.`);
    return 0;
  }
  const k6 = await deps.selectEngine('k6', deps.env);
  const embedded = await deps.selectEngine('embedded', deps.env);
  let script: string;
  if (options.script) {
    script = resolve(deps.cwd, options.script);
  } else {
    await deps.build();
    script = scriptPath(options.scenario);
  }
  const outputDir = resolve(deps.cwd, options.outputDir);
  say(`parity: ${options.scenario} under ${describeEngine(k6)} and the ${describeEngine(embedded)}`);
  const mock = await deps.startMock(options.mockArgs);
  const results: Record<'k6' | 'embedded', Result | null> = { k6: null, embedded: null };
  let failed = false;
  try {
    say(`mock: ${mock.url} ${options.mockArgs.join(' ')}`.trimEnd());
    for (const [side, engine] of [['k6', k6], ['embedded', embedded]] as const) {
      const name = `${options.name}-${side}`;
      const env = Object.fromEntries([...options.env, ['TARGET', mock.url], ['NAME', name], ['OUTPUT', `${outputDir}/`]]);
      const summaryPath = join(outputDir, `${name}.summary.json`);
      say(`running ${side}...`);
      const run = await deps.runLoad({ engine, script, env, summaryPath });
      if (!run.summary) {
        say(`${side}: no summary at ${summaryPath} (exit code ${run.exitCode})${run.stderr ? `\n${run.stderr.trimEnd()}` : ''}`);
        failed = true;
        continue;
      }
      // 99 = thresholds failed: the run itself is fine for a comparison; anything else is worth saying.
      if (run.exitCode !== 0 && run.exitCode !== 99) say(`${side}: exit code ${run.exitCode}`);
      const engineMeta = { name: engine.kind, version: engine.version };
      const { result } = resultFromSummary(run.summary, { engine: engineMeta, scenario: options.scenario, sourceFile: summaryPath });
      results[side] = result;
      say(`${side}: summary ${summaryPath}`);
    }
  } finally {
    await mock.stop();
  }
  if (!results.k6 || !results.embedded) {
    print('parity: no comparison, a run wrote no summary (see above).');
    return 1;
  }
  const rows = parityRows(results.k6, results.embedded, options);
  print('');
  print(`parity: ${options.scenario}, ${describeEngine(k6)} vs ${describeEngine(embedded)}, same mock, k6 first`);
  print(renderParityTable(rows));
  const off = rows.filter((row) => row.verdict !== 'ok');
  const tolerance = `±${options.tolerancePct}% (times: or ±${options.toleranceMs} ms; error rate: ±${(options.toleranceErrorRate * 100).toFixed(2)} pp${options.byCount ? '; requests: exact' : ''})`;
  print(off.length === 0 ? `verdict: within tolerance ${tolerance}` : `verdict: ${off.map((row) => row.label).join(', ')} outside tolerance ${tolerance}`);
  return off.length === 0 && !failed ? 0 : 1;
}
