// The table printed at the end of `npm run bench`: one column per result file written.
import type { Result } from '../reporter/index.ts';

const ms = (ns: number | null | undefined) => (ns === null || ns === undefined ? '-' : `${(ns / 1e6).toFixed(2)} ms`);
const signedMs = (ns: number | null | undefined) => (ns === null || ns === undefined ? '-' : `${ns >= 0 ? '+' : ''}${(ns / 1e6).toFixed(2)} ms`);
const mb = (bytes: number | null | undefined) => (bytes === null || bytes === undefined ? '-' : `${(bytes / 1048576).toFixed(1)} MB`);
const pct = (p: number | null | undefined) => (p === null || p === undefined ? '-' : `${p.toFixed(0)}%`);
const num = (n: number | null | undefined, digits = 0) => (n === null || n === undefined ? '-' : n.toFixed(digits));

export function renderRunTable(results: Result[]): string {
  const rows: Array<[string, (r: Result) => string]> = [
    ['target', (r) => r.target],
    ['requests ok/total', (r) => `${num(r.success_requests)}/${r.total_requests}`],
    ['rps', (r) => num(r.rps, 1)],
    ['latency p50', (r) => ms(r.latency_p50)],
    ['latency p95', (r) => ms(r.latency_p95)],
    ['latency p99', (r) => ms(r.latency_p99)],
  ];
  if (results.some((r) => r.streaming)) {
    rows.push(['ttft p50', (r) => ms(r.streaming?.ttft_p50)], ['ttft p99', (r) => ms(r.streaming?.ttft_p99)]);
  }
  if (results.some((r) => r.overhead)) {
    rows.push(['overhead p50', (r) => signedMs(r.overhead?.latency_p50)], ['overhead p99', (r) => signedMs(r.overhead?.latency_p99)]);
    if (results.some((r) => r.streaming)) rows.push(['overhead ttft p50', (r) => signedMs(r.overhead?.ttft_p50)]);
  }
  rows.push(
    ['memory peak (avg)', (r) => (r.memory ? `${mb(r.memory.peak_rss_bytes)} (${mb(r.memory.avg_rss_bytes)})` : 'not measured')],
    ['cpu avg / peak', (r) => (r.cpu ? `${pct(r.cpu.avg_percent)} / ${pct(r.cpu.peak_percent)}` : '-')],
    ['mock / loadgen cpu peak', (r) => `${pct(r.rig?.mock_cpu_peak_percent)} / ${pct(r.rig?.loadgen_cpu_peak_percent)}`],
    ['rig saturated', (r) => (r.rig?.rig_saturated ? 'YES' : 'no')],
  );
  if (results.some((r) => (r.repeat?.runs ?? 1) > 1)) rows.push(['runs (rps cv)', (r) => `${r.repeat?.runs ?? 1} (${r.repeat?.rps_cov === null || r.repeat?.rps_cov === undefined ? '-' : `${(r.repeat.rps_cov * 100).toFixed(1)}%`})`]);
  if (results.some((r) => r.partial)) rows.push(['partial', (r) => (r.partial ? 'yes' : 'no')]);

  const header = ['', ...results.map((r) => r.name)];
  const body = rows.map(([label, cell]) => [label, ...results.map(cell)]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((row) => row[i].length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
