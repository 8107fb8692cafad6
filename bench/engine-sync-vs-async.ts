// A synchronous-style script (http.post, check; its VUs wait on the event loop, --sync-vus loop,
// the default) against the async style (await http.asyncRequest) on the same chat request to the
// mock (0 latency), side by side in alternating rounds, the engine pinned to one core. Target:
// sync >= 50% of async req/s. --compare-threads adds the sync script on worker threads
// (--sync-vus threads) to each round.
// Prints req/s and CPU time per request (user + system of the whole engine process, all threads,
// minus the CPU of a run where each VU makes one request: start-up, VU init and exit).
// With --threads, it instead reads each thread's CPU from /proc over the middle of one run per kind
// (start-up and exit left out) and prints it per request: where the sync path's extra CPU goes.
// --baseline DIR adds the sync script run by another checkout's engine to each round (e.g. the
// previous commit), and the median of per-round ratios of their CPU per request.
//   node --import tsx bench/engine-sync-vs-async.ts [--rounds 5] [--seconds 10] [--vus 50] [--threads] [--compare-threads] [--baseline DIR]
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BIN, machine, median, pin, pinningNote, runEngineProcess, scratch, startMock } from './engine-common.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '10' },
    vus: { type: 'string', default: '50' },
    threads: { type: 'boolean', default: false },
    'compare-threads': { type: 'boolean', default: false },
    baseline: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const vus = Number(values.vus);

const BODY = "JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 16 })";
const CHECKS = "{ 'status 200': (r) => r.status === 200, 'has content': (r) => r.json('choices.0.message.content').length > 0 }";
const ASYNC = `import http from 'k6/http';
import { check } from 'k6';
const body = ${BODY};
const params = { headers: { 'Content-Type': 'application/json' } };
export default async function () {
  const res = await http.asyncRequest('POST', __ENV.TARGET + '/v1/chat/completions', body, params);
  check(res, ${CHECKS});
}
`;
const SYNC = `import http from 'k6/http';
import { check } from 'k6';
const body = ${BODY};
const params = { headers: { 'Content-Type': 'application/json' } };
export default function () {
  const res = http.post(__ENV.TARGET + '/v1/chat/completions', body, params);
  check(res, ${CHECKS});
}
`;

/** CPU ticks (user + system, 1/100 s) of each thread of `pid`, by thread id. */
function threadTicks(pid: number): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(Number(tid), Number(f[11]) + Number(f[12]));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ticks;
}

const requestsTotal = async (url: string): Promise<number> => ((await (await fetch(`${url}/stats`)).json()) as { requests_total: number }).requests_total;
const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One run of `script`: CPU per request of the main thread and of the others, over its middle half. */
async function threadSplit(url: string, script: string): Promise<string> {
  const argv = [...pin(1), process.execPath, BIN, 'engine', 'run', '-q', '--no-summary', '-e', `TARGET=${url}`, '--vus', String(vus), '--duration', `${seconds}s`, script];
  const child = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
  const exited = new Promise((r) => child.on('close', r));
  const pid = child.pid!;
  // Start-up (workers included) is over well before a quarter of the run plus its first seconds.
  await sleepMs(2000 + seconds * 250);
  const t0 = threadTicks(pid);
  const r0 = await requestsTotal(url);
  await sleepMs(seconds * 500);
  const t1 = threadTicks(pid);
  const n = (await requestsTotal(url)) - r0;
  await exited;
  const per = (ticks: number) => (ticks * 10_000) / n; // ticks are 10 ms; µs per request
  let main = 0;
  const others: number[] = [];
  for (const [tid, t] of t1) {
    const d = t - (t0.get(tid) ?? 0);
    if (tid === pid) main = d;
    else if (d > 0) others.push(d);
  }
  others.sort((a, b) => b - a);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const busiest = others.slice(0, vus);
  return (
    `${n} requests; CPU per request: total ${per(main + sum(others)).toFixed(0)} µs, main thread ${per(main).toFixed(0)} µs, other threads ${per(sum(others)).toFixed(0)} µs ` +
    `(the ${busiest.length} busiest, the VUs' workers when the script is sync: ${per(sum(busiest)).toFixed(0)} µs; the rest: ${per(sum(others.slice(vus))).toFixed(0)} µs)`
  );
}

const tmp = scratch();
const scripts = { async: tmp.write('async.js', ASYNC), sync: tmp.write('sync.js', SYNC) };
const mock = await startMock(['--latency', '0ms']);
if (values.threads) {
  try {
    console.log(`machine: ${machine()}; ${pinningNote()}; ${vus} VUs, ${seconds}s per run, /proc read over the middle of each run`);
    for (let round = 1; round <= rounds; round++) {
      for (const kind of ['async', 'sync'] as const) console.log(`round ${round} ${kind}: ${await threadSplit(mock.url, scripts[kind])}`);
    }
  } finally {
    await mock.stop();
    tmp.cleanup();
  }
  process.exit(0);
}
try {
  type Kind = 'async' | 'sync' | 'threads' | 'baseline';
  const kinds: Kind[] = ['async', 'sync', ...(values['compare-threads'] ? (['threads'] as const) : []), ...(values.baseline ? (['baseline'] as const) : [])];
  const scriptOf = (kind: Kind) => (kind === 'async' ? scripts.async : scripts.sync);
  const flagsOf = (kind: Kind) => (kind === 'threads' ? ['--sync-vus', 'threads'] : []);
  const binOf = (kind: Kind) => (kind === 'baseline' ? join(values.baseline!, 'bin', 'llmux-bench.mjs') : BIN);
  const fixed = { async: 0, sync: 0, threads: 0, baseline: 0 };
  for (const kind of kinds) {
    const one = await runEngineProcess([...flagsOf(kind), '-e', `TARGET=${mock.url}`, '--vus', String(vus), '--iterations', String(vus), scriptOf(kind)], join(tmp.dir, `fixed-${kind}.json`), undefined, true, binOf(kind));
    fixed[kind] = one.cpuMs ?? 0;
  }
  const ratios: number[] = [];
  const cpu = { async: [] as number[], sync: [] as number[], threads: [] as number[], baseline: [] as number[] };
  const rps = { async: [] as number[], sync: [] as number[], threads: [] as number[], baseline: [] as number[] };
  for (let round = 1; round <= rounds; round++) {
    const line: string[] = [];
    for (const kind of kinds) {
      const run = await runEngineProcess([...flagsOf(kind), '-e', `TARGET=${mock.url}`, '--vus', String(vus), '--duration', `${seconds}s`, scriptOf(kind)], join(tmp.dir, `${kind}-${round}.json`), undefined, true, binOf(kind));
      if (run.code !== 0 || !run.summary) throw new Error(`${kind} run failed (exit ${run.code}): ${run.stderr.slice(-500)}`);
      const m = run.summary.metrics;
      if ((m.checks?.fails ?? 0) > 0) console.error(`${kind}: ${m.checks.fails} failed checks`);
      const r = m.http_reqs.rate as number;
      const perReq = run.cpuMs === null ? NaN : (Math.max(0, run.cpuMs - fixed[kind]) * 1000) / (m.http_reqs.count as number);
      rps[kind].push(r);
      cpu[kind].push(perReq);
      line.push(`${kind} ${r.toFixed(0)} req/s (${perReq.toFixed(1)} µs CPU/req, peak RSS ${((run.peakRssBytes ?? NaN) / 1048576).toFixed(0)} MB)`);
    }
    ratios.push(rps.sync[round - 1] / rps.async[round - 1]);
    console.log(`round ${round}: ${line.join(', ')}, sync/async ${(ratios[round - 1] * 100).toFixed(1)}%`);
  }
  console.log(`machine: ${machine()}; ${pinningNote()}; shared machine, other load present`);
  console.log(`${vus} VUs, ${seconds}s per run, ${rounds} interleaved rounds`);
  console.log(`median async ${median(rps.async).toFixed(0)} req/s (${median(cpu.async).toFixed(1)} µs CPU/req), sync ${median(rps.sync).toFixed(0)} req/s (${median(cpu.sync).toFixed(1)} µs CPU/req)`);
  const ratio = median(ratios);
  console.log(`median of per-round ratios sync/async: ${(ratio * 100).toFixed(1)}% (target >= 50%: ${ratio >= 0.5 ? 'met' : 'NOT met'})`);
  if (values['compare-threads']) {
    const perRound = rps.threads.map((r, i) => r / rps.async[i]);
    console.log(`sync on worker threads (--sync-vus threads): median ${median(rps.threads).toFixed(0)} req/s (${median(cpu.threads).toFixed(1)} µs CPU/req), threads/async ${(median(perRound) * 100).toFixed(1)}% (median of per-round ratios)`);
  }
  if (values.baseline) {
    const perRound = cpu.sync.map((c, i) => c / cpu.baseline[i]);
    console.log(
      `baseline (${values.baseline}) sync: median ${median(rps.baseline).toFixed(0)} req/s (${median(cpu.baseline).toFixed(1)} µs CPU/req); ` +
        `this sync / baseline sync CPU per request: median of per-round ratios ${median(perRound).toFixed(3)} (rounds: ${perRound.map((r) => r.toFixed(2)).join(', ')})`,
    );
  }
} finally {
  await mock.stop();
  tmp.cleanup();
}
