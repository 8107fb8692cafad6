// The sweep's step tables (offered, achieved, p50, p99, errors, dropped) with a text sparkline of
// p99 per side, and one line per side with its capacity. Pure: a function of the outcomes.
import type { CapacityStep } from '../../reporter/index.ts';
import type { SideOutcome } from './sweep.ts';

const BARS = '▁▂▃▄▅▆▇█';

/** One bar per value, scaled from 0 to the largest; "·" where nothing was measured. */
export function sparkline(values: (number | null)[]): string {
  const max = Math.max(0, ...values.filter((v): v is number => v !== null));
  return values.map((v) => (v === null ? '·' : BARS[max > 0 ? Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1) + 0.5)) : 0])).join('');
}

const num = (v: number | null, digits: number, unit = '') => (v === null ? '—' : `${v.toFixed(digits)}${unit}`);
const rps = (v: number) => (v >= 20 ? v.toFixed(0) : v.toFixed(1));

function stepRow(step: CapacityStep): string[] {
  return [
    rps(step.offered_rps),
    num(step.achieved_rps, 1),
    num(step.p50_ms, 1, ' ms'),
    num(step.p99_ms, 1, ' ms'),
    step.error_rate === null ? '—' : `${(step.error_rate * 100).toFixed(2)}%`,
    step.dropped === null ? '—' : String(step.dropped),
    step.ok ? 'ok' : `FAIL (${step.failed_on.join(', ')})`,
  ];
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padStart(widths[i]))).join('  ').trimEnd());
}

export function describeLimit(outcome: SideOutcome): string {
  const { capacity } = outcome;
  const max = capacity.max_rps_within_slo;
  const head = max === null ? 'no step met the SLO' : `${rps(max)} rps within the SLO`;
  switch (capacity.limited_by) {
    case 'target':
      return `${head} (limited by the ${outcome.side.kind === 'baseline' ? 'mock' : 'target'})`;
    case 'rig':
      return `${head} (limited by the RIG: the load generator or the machine set this ceiling, not the ${outcome.side.kind === 'baseline' ? 'mock' : 'target'})`;
    case 'max-rate':
      return `${head} (every step passed up to --max-rate: the ceiling is higher)`;
    default:
      return `${head}${outcome.interrupted ? ' (interrupted)' : ''}`;
  }
}

export function renderSweep(outcomes: SideOutcome[]): string {
  const lines: string[] = [];
  for (const outcome of outcomes) {
    // Steps in rate order read as a curve; the run order is in the result file.
    const steps = [...outcome.capacity.steps].sort((a, b) => a.offered_rps - b.offered_rps);
    lines.push(`Capacity sweep of ${outcome.side.name} (${outcome.side.url}), ${outcome.capacity.step_duration_s} s per step:`);
    lines.push(...table([['offered', 'achieved', 'p50', 'p99', 'errors', 'dropped', 'verdict'], ...steps.map(stepRow)]).map((l) => `  ${l}`));
    lines.push(`  p99 by offered rate: ${sparkline(steps.map((s) => s.p99_ms))}`);
    lines.push(`  ${outcome.side.name}: ${describeLimit(outcome)}${outcome.interrupted ? ', PARTIAL (interrupted)' : ''}`);
    lines.push('');
  }
  const [a, b] = outcomes;
  if (a && b && a.capacity.max_rps_within_slo !== null && b.capacity.max_rps_within_slo !== null) {
    const ratio = b.capacity.max_rps_within_slo / a.capacity.max_rps_within_slo;
    lines.push(`${b.side.name} sustains ${(ratio * 100).toFixed(1)}% of the ${a.side.name}'s capacity within the same SLO.`);
  }
  return lines.join('\n').trimEnd();
}
