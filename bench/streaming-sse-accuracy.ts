// How exactly dist/streaming-sse.js (k6/x/sse in the embedded engine) times tokens, against a bare
// Node client reading the same mock streams (bench/sse-bare-client.ts), in interleaved rounds:
//  A. mock --latency 50ms --itl 10ms, 100 concurrent streams: ITL p50 within ±0.3 ms of the bare
//     client's, ITL p99 <= 12 ms, TTFT p50 within 0.5 ms of 50 ms;
//  B. mock --jitter lognormal: ITL p10…p90 within 5% of the mock's configured distribution
//     (mock/plan.ts sampleDelay: itl · exp(−σ²/2 + σz), σ² = ln(1 + cv²), cv 0.2);
//  C. 1000 SSE VUs: peak RSS of the engine <= 400 MB.
// Raw samples come from the engine's NDJSON output ({phase:measure} only), so quantiles are exact.
//   node --import tsx bench/streaming-sse-accuracy.ts [--rounds 3] [--requests 1000] [--concurrency 100]
//        [--memory-vus 1000] [--memory-seconds 20] [--skip-memory]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBuilt, scriptPath } from '../runner/engines/build.ts';
import { cpuMs, machine, pin, pinningNote, ROOT, runEngineProcess, scratch, startMock } from './engine-common.ts';
import { median, percentile } from './mock-common.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    requests: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '100' },
    'memory-vus': { type: 'string', default: '1000' },
    'memory-seconds': { type: 'string', default: '20' },
    'skip-memory': { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const LATENCY = 50;
const ITL = 10;
const CV = 0.2;
const TOKENS = 20;

interface Samples {
  ttft: number[];
  itl: number[];
  streams: number;
  cpuMs: number | null;
  wallMs: number;
}

/** The mock's own account of how late its chunks left (cumulative): whether it kept its schedule at all. */
async function mockLateness(url: string): Promise<string> {
  try {
    const stats = (await (await fetch(`${url}/stats`)).json()) as { chunk_lateness_ms?: { count: number; p50: number; p99: number; max: number } };
    const l = stats.chunk_lateness_ms;
    return l ? `mock chunk lateness over ${l.count} chunks: p50 <= ${l.p50} ms, p99 <= ${l.p99} ms, max ${l.max} ms` : 'mock chunk lateness: n/a';
  } catch {
    return 'mock chunk lateness: n/a';
  }
}

const sorted = (xs: number[]) => Float64Array.from(xs).sort();
const q = (xs: Float64Array, p: number) => percentile(xs, p);
const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

async function engineRun(target: string, dir: string, tag: string, env: Record<string, string> = {}): Promise<Samples> {
  const nd = join(dir, `${tag}.ndjson`);
  // The warm-up is stopped hard, so the measured phase opens with `concurrency` streams started
  // together on new connections: their tokens come in bursts (two deltas per read), as do the bare
  // client's first round, which it skips (--skip). The engine's first round is skipped the same way.
  const vars = { TARGET: target, REQUESTS: String(requests + concurrency), CONCURRENCY: String(concurrency), WARMUP: '1', THRESHOLDS: 'off', OUTPUT: dir, NAME: tag, ...env };
  const args = ['--out', `json=${nd}`, ...Object.entries(vars).flatMap(([k, v]) => ['-e', `${k}=${v}`]), scriptPath('streaming-sse')];
  const run = await runEngineProcess(args, join(dir, `${tag}.export.json`));
  if (!run.summary) throw new Error(`engine run failed (exit ${run.code}): ${run.stderr.slice(-500)}`);
  const ttft: number[] = [];
  const itl: number[] = [];
  let streams = 0;
  // A stream adds its ttft point, then its itl points, in one synchronous run of the script, so
  // the itl points after the n-th ttft point are the n-th stream's.
  let seen = 0;
  for (const line of readFileSync(nd, 'utf8').split('\n')) {
    if (!line.startsWith('{"type":"Point"')) continue;
    const p = JSON.parse(line) as { metric: string; data: { value: number; tags: Record<string, string> } };
    if (p.data.tags.phase !== 'measure') continue;
    if (p.metric === 'ttft') seen++;
    if (seen <= concurrency) continue;
    if (p.metric === 'itl') itl.push(p.data.value);
    else if (p.metric === 'ttft') {
      ttft.push(p.data.value);
      streams++;
    }
  }
  return { ttft, itl, streams, cpuMs: run.cpuMs, wallMs: run.wallMs };
}

async function bareRun(target: string, dir: string, tag: string): Promise<Samples> {
  const out = join(dir, `${tag}.bare.json`);
  const argv = [...pin(1), process.execPath, '--import', 'tsx', join(ROOT, 'bench', 'sse-bare-client.ts'), '--url', `${target}/v1/chat/completions`, '--concurrency', String(concurrency), '--requests', String(requests + concurrency), '--skip', String(concurrency), '--out', out];
  const started = Date.now();
  const child = spawn(argv[0], argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  let cpu: number | null = null;
  const sampler = setInterval(() => {
    const c = child.pid ? cpuMs(child.pid) : null;
    if (c !== null) cpu = c;
  }, 100);
  const killer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(sampler);
  clearTimeout(killer);
  if (code !== 0) throw new Error(`bare client exited ${code}`);
  const data = JSON.parse(readFileSync(out, 'utf8')) as { ttft: number[]; itl: number[]; failed: number };
  if (data.failed > 0) console.log(`  (bare client: ${data.failed} failed streams)`);
  return { ttft: data.ttft, itl: data.itl, streams: data.ttft.length, cpuMs: cpu, wallMs: Date.now() - started };
}

function describe(name: string, s: Samples): { itl50: number; itl99: number; ttft50: number } {
  const itl = sorted(s.itl);
  const ttft = sorted(s.ttft);
  const r = { itl50: q(itl, 50), itl99: q(itl, 99), ttft50: q(ttft, 50) };
  const perStream = s.cpuMs !== null && s.streams > 0 ? s.cpuMs / s.streams : NaN;
  console.log(
    `  ${name.padEnd(7)} streams ${String(s.streams).padStart(5)}  ITL p50 ${fmt(r.itl50, 3)} p90 ${fmt(q(itl, 90))} p99 ${fmt(r.itl99)} ms  TTFT p50 ${fmt(r.ttft50, 3)} p99 ${fmt(q(ttft, 99))} ms  ` +
      `${fmt(s.streams / (s.wallMs / 1000), 0)} streams/s incl. start-up, CPU ${fmt(perStream, 3)} ms/stream`,
  );
  return r;
}

await ensureBuilt();
const tmp = scratch();
console.log(`machine: ${machine()}; ${pinningNote()}; shared with other work, load average at start ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
try {
  // A. Fixed pacing.
  console.log(`\nA. mock --latency ${LATENCY}ms --itl ${ITL}ms --tokens ${TOKENS}; ${concurrency} concurrent streams, ${requests} per run; ${rounds} interleaved rounds`);
  const mock = await startMock(['--latency', `${LATENCY}ms`, '--itl', `${ITL}ms`, '--tokens', String(TOKENS)]);
  const diffs: number[] = [];
  const engineP99: number[] = [];
  const engineTtft: number[] = [];
  const bareP99: number[] = [];
  const bareTtft: number[] = [];
  try {
    for (let r = 1; r <= rounds; r++) {
      console.log(`round ${r}/${rounds}`);
      const order = r % 2 === 1 ? (['engine', 'bare'] as const) : (['bare', 'engine'] as const);
      const got: Record<string, { itl50: number; itl99: number; ttft50: number }> = {};
      for (const who of order) {
        const s = who === 'engine' ? await engineRun(mock.url, tmp.dir, `a${r}`) : await bareRun(mock.url, tmp.dir, `a${r}`);
        got[who] = describe(who, s);
      }
      diffs.push(got.engine.itl50 - got.bare.itl50);
      engineP99.push(got.engine.itl99);
      engineTtft.push(got.engine.ttft50);
      bareP99.push(got.bare.itl99);
      bareTtft.push(got.bare.ttft50);
    }
    console.log(await mockLateness(mock.url));
  } finally {
    await mock.stop();
  }
  const d = median(diffs);
  console.log(`ITL p50, engine − bare client: median over rounds ${fmt(d, 3)} ms (rounds: ${diffs.map((x) => fmt(x, 3)).join(', ')}) → ${Math.abs(d) <= 0.3 ? 'met' : 'NOT met'} (±0.3 ms)`);
  // When the bare client misses a target as well, the rig (machine, mock, client timing) sets the limit.
  const rig = (bareMet: boolean) => (bareMet ? '' : '; the bare client misses it too: the rig sets this limit');
  console.log(`ITL p99, engine: median ${fmt(median(engineP99))} ms (bare client ${fmt(median(bareP99))} ms) → ${median(engineP99) <= 12 ? 'met' : 'NOT met'} (<= 12 ms)${rig(median(bareP99) <= 12)}`);
  console.log(
    `TTFT p50, engine: median ${fmt(median(engineTtft), 3)} ms (bare client ${fmt(median(bareTtft), 3)} ms) → ${Math.abs(median(engineTtft) - LATENCY) <= 0.5 ? 'met' : 'NOT met'} (50 ± 0.5 ms)${rig(Math.abs(median(bareTtft) - LATENCY) <= 0.5)}`,
  );

  // B. Lognormal jitter.
  console.log(`\nB. mock --jitter lognormal (cv ${CV}), same pacing: ITL quantiles vs the configured distribution`);
  const jmock = await startMock(['--latency', `${LATENCY}ms`, '--itl', `${ITL}ms`, '--tokens', String(TOKENS), '--jitter', 'lognormal', '--jitter-cv', String(CV)]);
  try {
    const e = sorted((await engineRun(jmock.url, tmp.dir, 'b')).itl);
    const b = sorted((await bareRun(jmock.url, tmp.dir, 'b')).itl);
    const sigma = Math.sqrt(Math.log(1 + CV * CV));
    const Z: Record<number, number> = { 10: -1.2815515655, 20: -0.8416212336, 30: -0.5244005127, 40: -0.2533471031, 50: 0, 60: 0.2533471031, 70: 0.5244005127, 80: 0.8416212336, 90: 1.2815515655 };
    let worst = 0;
    let bareWorst = 0;
    for (const p of [10, 20, 30, 40, 50, 60, 70, 80, 90]) {
      const want = ITL * Math.exp(-(sigma * sigma) / 2 + sigma * Z[p]);
      const got = q(e, p);
      const err = (got - want) / want;
      worst = Math.max(worst, Math.abs(err));
      bareWorst = Math.max(bareWorst, Math.abs((q(b, p) - want) / want));
      console.log(`  p${p}: configured ${fmt(want, 3)} ms, engine ${fmt(got, 3)} ms (${err >= 0 ? '+' : ''}${fmt(err * 100, 1)}%), bare client ${fmt(q(b, p), 3)} ms`);
    }
    console.log(`worst deviation ${fmt(worst * 100, 1)}% (bare client ${fmt(bareWorst * 100, 1)}%) → ${worst <= 0.05 ? 'met' : 'NOT met'} (5%)${bareWorst <= 0.05 ? '' : '; the bare client misses it too: the rig sets this limit'}`);
    console.log(await mockLateness(jmock.url));
  } finally {
    await jmock.stop();
  }

  // C. Memory.
  if (!values['skip-memory']) {
    const vus = Number(values['memory-vus']);
    const seconds = Number(values['memory-seconds']);
    console.log(`\nC. ${vus} SSE VUs for ${seconds}s (mock 50 ms latency, 10 ms ITL, ${TOKENS} tokens)`);
    const mmock = await startMock(['--latency', '50ms', '--itl', '10ms', '--tokens', String(TOKENS)]);
    try {
      const vars = { TARGET: mmock.url, CONCURRENCY: String(vus), DURATION: `${seconds}s`, THRESHOLDS: 'off', OUTPUT: tmp.dir, NAME: 'memory' };
      const run = await runEngineProcess([...Object.entries(vars).flatMap(([k, v]) => ['-e', `${k}=${v}`]), scriptPath('streaming-sse')], join(tmp.dir, 'memory.export.json'));
      if (!run.summary) throw new Error(`engine run failed (exit ${run.code}): ${run.stderr.slice(-500)}`);
      const m = run.summary.metrics;
      const mb = (run.peakRssBytes ?? NaN) / 1024 / 1024;
      console.log(`  streams ${m.http_reqs.count} (${fmt(m.http_reqs.rate, 0)}/s), stream_ok ${fmt(m.stream_ok?.value ?? NaN, 4)}, vus max ${m.vus?.max ?? 'n/a'}, CPU ${fmt((run.cpuMs ?? NaN) / m.http_reqs.count, 3)} ms/stream`);
      console.log(`  peak RSS ${fmt(mb, 1)} MB → ${mb <= 400 ? 'met' : 'NOT met'} (<= 400 MB)`);
      console.log(`  ${await mockLateness(mmock.url)}`);
    } finally {
      await mmock.stop();
    }
  }
} finally {
  tmp.cleanup();
}
