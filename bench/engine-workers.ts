// `engine run --workers N`: what a second worker thread buys, and whether the split is exact.
// 1. Throughput: dist/basic.js (100 VUs, closed loop) with --workers 1 and --workers 2 against the
//    zero-latency mock (`--workers 2` too, so it is less likely the ceiling), alternating rounds;
//    req/s and the engine's CPU time per request (all its threads; start-up of a one-request run
//    subtracted). Nothing is pinned: two workers need two cores.
// 2. Exactness: scripts without HTTP, one per executor, run with 1, 2 and 3 workers; the iterations
//    each run makes must be the same, to the iteration.
//   node --import tsx bench/engine-workers.ts [--rounds 5] [--seconds 8] [--vus 100]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startMockProcess } from '../runner/processes/mock-process.ts';
import { ROOT, machine, median, runEngineProcess, scratch } from './engine-common.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, seconds: { type: 'string', default: '8' }, vus: { type: 'string', default: '100' } } });
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const vus = Number(values.vus);
const BASIC = join(ROOT, 'dist', 'basic.js');

const EXECUTORS: Record<string, string> = {
  'shared-iterations (3001 over 7 VUs)': `{ executor: 'shared-iterations', vus: 7, iterations: 3001 }`,
  'per-vu-iterations (5 VUs x 101)': `{ executor: 'per-vu-iterations', vus: 5, iterations: 101 }`,
  'constant-arrival-rate (333/s for 3 s)': `{ executor: 'constant-arrival-rate', rate: 333, timeUnit: '1s', duration: '3s', preAllocatedVUs: 20 }`,
  'ramping-arrival-rate (0 -> 301/s -> 50/s)': `{ executor: 'ramping-arrival-rate', startRate: 0, timeUnit: '1s', preAllocatedVUs: 20, stages: [{ target: 301, duration: '2s' }, { target: 50, duration: '1500ms' }] }`,
  'constant-vus (7 VUs, 1 s, 1 ms sleeps)': `{ executor: 'constant-vus', vus: 7, duration: '1s' }`,
};
// constant-vus' count depends on timing: reported, not required to match.
const TIMED = new Set(['constant-vus (7 VUs, 1 s, 1 ms sleeps)']);

const tmp = scratch();
const mock = await startMockProcess(['--latency', '0ms', '--workers', '2'], { prefix: [] });
try {
  console.log(`machine: ${machine()}`);
  // --- exactness
  console.log('\nexactness: iterations per run with --workers 1 / 2 / 3');
  let exact = true;
  for (const [label, scenario] of Object.entries(EXECUTORS)) {
    const script = tmp.write(`split-${Object.keys(EXECUTORS).indexOf(label)}.js`, `export const options = { scenarios: { s: ${scenario} } };
export default async function () { await new Promise((r) => setTimeout(r, 1)); }
`);
    const counts: number[] = [];
    for (const workers of [1, 2, 3]) {
      const run = await runEngineProcess(['--workers', String(workers), script], join(tmp.dir, `split-${workers}.json`), 120_000, false);
      if (run.code !== 0 || !run.summary) throw new Error(`${label}, --workers ${workers}: exit ${run.code}: ${run.stderr.slice(-400)}`);
      counts.push(run.summary.metrics.iterations?.count ?? 0);
    }
    const same = counts.every((c) => c === counts[0]);
    if (!same && !TIMED.has(label)) exact = false;
    console.log(`  ${label}: ${counts.join(' / ')}${same ? ' (equal)' : TIMED.has(label) ? ' (timed: may differ)' : ' DIFFER'}`);
  }
  console.log(`splits exact: ${exact ? 'yes' : 'NO'}`);

  // --- throughput
  const fixed: Record<number, number> = {};
  for (const workers of [1, 2]) {
    const one = await runEngineProcess(['--workers', String(workers), '-e', `TARGET=${mock.url}`, '-e', 'REQUESTS=1', '-e', 'CONCURRENCY=1', BASIC], join(tmp.dir, `fixed-${workers}.json`), 120_000, false);
    fixed[workers] = one.cpuMs ?? 0;
  }
  const rows: { rps: Record<number, number>; cpu: Record<number, number> }[] = [];
  console.log(`\nthroughput: dist/basic.js, ${vus} VUs, ${seconds} s per run, mock --workers 2 --latency 0`);
  for (let round = 1; round <= rounds; round++) {
    const row = { rps: {} as Record<number, number>, cpu: {} as Record<number, number> };
    const order = round % 2 ? [1, 2] : [2, 1];
    for (const workers of order) {
      const run = await runEngineProcess(['--workers', String(workers), '-e', `TARGET=${mock.url}`, '-e', `CONCURRENCY=${vus}`, '-e', `DURATION=${seconds}s`, BASIC], join(tmp.dir, `r${round}-${workers}.json`), 300_000, false);
      if (run.code !== 0 || !run.summary) throw new Error(`--workers ${workers}: exit ${run.code}: ${run.stderr.slice(-400)}`);
      const count = run.summary.metrics.http_reqs.count as number;
      row.rps[workers] = run.summary.metrics.http_reqs.rate as number;
      row.cpu[workers] = run.cpuMs === null ? NaN : ((run.cpuMs - fixed[workers]) * 1000) / count;
    }
    rows.push(row);
    console.log(`  round ${round}: 1 worker ${row.rps[1].toFixed(0)} req/s (${row.cpu[1].toFixed(1)} µs CPU/req), 2 workers ${row.rps[2].toFixed(0)} req/s (${row.cpu[2].toFixed(1)} µs CPU/req), ratio 2/1 ${(row.rps[2] / row.rps[1]).toFixed(2)}`);
  }
  const med = (f: (r: (typeof rows)[number]) => number) => median(rows.map(f));
  console.log(
    `medians: 1 worker ${med((r) => r.rps[1]).toFixed(0)} req/s, ${med((r) => r.cpu[1]).toFixed(1)} µs CPU/req; 2 workers ${med((r) => r.rps[2]).toFixed(0)} req/s, ${med((r) => r.cpu[2]).toFixed(1)} µs CPU/req; ` +
      `median of per-round ratios 2/1: ${med((r) => r.rps[2] / r.rps[1]).toFixed(2)}`,
  );
} finally {
  await mock.stop();
  tmp.cleanup();
}
