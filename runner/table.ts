// The summary printed at the end of `npm run bench`: the reporter's comparison table (baseline
// first, overhead against it, with its warnings and error samples), then what the reporter's
// metrics leave out: the rig's own load, repeat spread, partial runs and the target's log.
import { compareResults } from '../reporter/compare.ts';
import { renderTable } from '../reporter/render.ts';
import type { Result } from '../reporter/index.ts';
import { openModelShortfall } from './sampling/rig.ts';

export interface Written {
  result: Result;
  file: string;
}

const pct = (p: number | null | undefined) => (p === null || p === undefined ? '-' : `${p.toFixed(0)}%`);

export function renderBenchSummary(target: Written | null, baseline: Written | null): string {
  const runs = [target, baseline].filter((w): w is Written => w !== null);
  if (runs.length === 0) return '';
  const comparison =
    target && baseline
      ? compareResults([{ result: target.result, file: target.file }], { baseline: { result: baseline.result, file: baseline.file } })
      : compareResults([{ result: runs[0].result, file: runs[0].file }]);
  const lines = [renderTable(comparison).trimEnd(), ''];
  for (const { result } of baseline ? [baseline, ...(target ? [target] : [])] : runs) {
    const rig = result.rig;
    const parts = [
      `rig during ${result.name}: mock CPU peak ${pct(rig?.mock_cpu_peak_percent)}, load generator CPU peak ${pct(rig?.loadgen_cpu_peak_percent)}`,
      rig?.rig_saturated ? 'SATURATED' : 'not saturated',
    ];
    if ((result.repeat?.runs ?? 1) > 1) {
      const cov = result.repeat?.rps_cov;
      parts.push(`median of ${result.repeat!.runs} runs, rps cv ${cov === null || cov === undefined ? '-' : `${(cov * 100).toFixed(1)}%`}`);
    }
    if (result.partial) parts.push(`PARTIAL (${result.partial_reason ?? 'interrupted'})`);
    if (!result.memory && result !== baseline?.result) parts.push('target memory/CPU not measured');
    lines.push(parts.join('; '));
    if (result.target_log) lines.push(`target log of ${result.name}: ${result.target_log}`);
    const shortfall = openModelShortfall(result.load);
    if (shortfall) lines.push(`rig warning (${result.name}): ${shortfall}`);
  }
  return lines.join('\n');
}
