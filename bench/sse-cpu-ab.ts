// CPU time per stream of dist/streaming-sse.js under the embedded engine, this checkout against
// another one (e.g. a worktree of main), alternating which goes first: each side runs N streams
// and, to take start-up out, a run of one stream per VU; the CPU time (user + system, the
// process and its children, from the shell's `times`) of the difference divided by the
// difference in streams is the cost of one more stream. The mock: --latency 50ms --itl 10ms
// --tokens 20 (22 events per stream). `--bench` runs as streaming-sse-accuracy.ts does (1 s
// warm-up, NDJSON output) and divides by the N measured streams, start-up included.
//   node --import tsx bench/sse-cpu-ab.ts --other /path/to/other/checkout [--rounds 5] [--requests 4000]
//        [--concurrency 100] [--bench]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machine, median, pin, ROOT, scratch, startMock } from './engine-common.ts';

const { values } = parseArgs({
  options: {
    other: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    requests: { type: 'string', default: '4000' },
    concurrency: { type: 'string', default: '100' },
    bench: { type: 'boolean', default: false },
  },
});
if (!values.other) {
  console.error('sse-cpu-ab: --other DIR (another checkout with node_modules and dist/ built) is required');
  process.exit(2);
}
const rounds = Number(values.rounds);
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const bench = values.bench === true;
const roots = { this: ROOT, other: values.other };
type Side = keyof typeof roots;

const seconds = (t: string): number => {
  const m = /(\d+)m([\d.]+)s/.exec(t);
  return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
};

/** CPU ms of one engine run of `streams` streams, and the streams it made. */
async function run(root: string, target: string, dir: string, streams: number, tag: string): Promise<{ cpuMs: number; streams: number }> {
  const exported = join(dir, `${tag}.json`);
  const vars: Record<string, string> = { TARGET: target, REQUESTS: String(streams), CONCURRENCY: String(concurrency), THRESHOLDS: 'off', OUTPUT: dir, NAME: tag };
  if (bench) vars.WARMUP = '1';
  const out = bench ? ['--out', `json=${join(dir, `${tag}.ndjson`)}`] : [];
  const argv = [...pin(1), process.execPath, join(root, 'bin', 'llmux-bench.mjs'), 'engine', 'run', '-q', '--summary-export', exported, ...out];
  argv.push(...Object.entries(vars).flatMap(([k, v]) => ['-e', `${k}=${v}`]), join(root, 'dist', 'streaming-sse.js'));
  // bash's `times` after the run: the exact CPU time of the engine (and the esbuild it spawned).
  const child = spawn('bash', ['-c', '"$@" >/dev/null 2>&1; rc=$?; times; exit $rc', 'bash', ...argv], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`engine in ${root} exited ${code}`);
  const [user, system] = text.trim().split('\n').at(-1)!.split(/\s+/).map(seconds);
  const summary = JSON.parse(readFileSync(exported, 'utf8')) as { metrics: { http_reqs: { count: number } } };
  // --bench: per measured stream, as streaming-sse-accuracy.ts counts (warm-up streams are extra).
  return { cpuMs: (user + system) * 1000, streams: bench ? streams : summary.metrics.http_reqs.count };
}

const tmp = scratch();
const mock = await startMock(['--latency', '50ms', '--itl', '10ms', '--tokens', '20']);
console.log(`machine: ${machine()}; engine pinned to CPU 1, mock to CPU 0; load average at start ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const marginal: Record<Side, number[]> = { this: [], other: [] };
const total: Record<Side, number[]> = { this: [], other: [] };
const ratios: number[] = [];
const totalRatios: number[] = [];
try {
  for (let round = 1; round <= rounds; round++) {
    const order: Side[] = round % 2 === 1 ? ['this', 'other'] : ['other', 'this'];
    for (const side of order) {
      const small = await run(roots[side], mock.url, tmp.dir, concurrency, `${side}-small-${round}`);
      const full = await run(roots[side], mock.url, tmp.dir, requests, `${side}-full-${round}`);
      marginal[side].push((full.cpuMs - small.cpuMs) / (full.streams - small.streams));
      total[side].push(full.cpuMs / full.streams);
    }
    ratios.push(marginal.this[round - 1] / marginal.other[round - 1]);
    totalRatios.push(total.this[round - 1] / total.other[round - 1]);
    const f = (side: Side) => `${side} ${marginal[side][round - 1].toFixed(3)} ms/stream (${total[side][round - 1].toFixed(3)} with start-up)`;
    console.log(`round ${round}: ${f('this')}, ${f('other')}; load ${loadavg()[0].toFixed(1)}`);
  }
  console.log(`CPU per further stream, median: this ${median(marginal.this).toFixed(3)} ms, other ${median(marginal.other).toFixed(3)} ms; median of per-round ratios this/other ${median(ratios).toFixed(3)}`);
  console.log(`CPU per stream with start-up (${requests} streams${bench ? ' measured, 1 s warm-up, NDJSON output' : ''}), median: this ${median(total.this).toFixed(3)} ms, other ${median(total.other).toFixed(3)} ms; median ratio ${median(totalRatios).toFixed(3)}`);
  console.log(`load average at end ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
} finally {
  await mock.stop();
  tmp.cleanup();
}
