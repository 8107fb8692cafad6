// Throughput of the embedded engine against autocannon on the same mock (0 latency), side by side:
// engine 100 VUs closed loop vs autocannon 100 connections (no pipelining), alternating rounds.
// --script health: `GET /health` from a one-line script (target: engine >= 70% of autocannon).
// --script basic: the suite's own dist/basic.js (a unique prompt per request, JSON body, checks,
// a JSON parse and its metrics) against autocannon POSTing the same chat body (target >= 75%). On a shared machine the CPU each process gets
// varies between rounds, so the script also prints the CPU time each spends per request
// (user + system, from /proc, minus the CPU of a one-request run's start-up and exit), which
// competing load disturbs less than req/s. --baseline DIR adds another checkout's engine (e.g. a
// worktree of main, built) to every round, right after this one's: a before/after on the same mock.
//   node --import tsx bench/engine-vs-autocannon.ts [--script health|basic] [--rounds 5] [--seconds 10] [--vus 100] [--baseline DIR]
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../k6/lib/config.ts';
import { chatBody, uniquePrompt } from '../k6/lib/payload.ts';
import { BIN, ROOT, cpuMs, machine, median, pin, pinningNote, runEngineProcess, scratch, startMock } from './engine-common.ts';

const { values } = parseArgs({
  options: { script: { type: 'string', default: 'health' }, rounds: { type: 'string', default: '5' }, seconds: { type: 'string', default: '10' }, vus: { type: 'string', default: '100' }, baseline: { type: 'string' } },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const vus = Number(values.vus);
if (values.script !== 'health' && values.script !== 'basic') throw new Error(`--script: expected health or basic, got '${values.script}'`);
const BASIC = values.script === 'basic';
const TARGET_SHARE = BASIC ? 0.75 : 0.7;
/** The engines measured each round: this checkout's, then the baseline's. */
const ENGINES: Array<{ name: string; bin: string }> = [{ name: 'engine', bin: BIN }];
if (values.baseline) ENGINES.push({ name: 'baseline', bin: join(values.baseline, 'bin', 'llmux-bench.mjs') });
/** What autocannon sends: the same request as the script's (basic: its body with a fixed prompt of the same length). */
const acRequest = (url: string): string[] =>
  BASIC
    ? ['-m', 'POST', '-H', 'content-type=application/json', '-H', `authorization=Bearer ${DEFAULTS.API_KEY}`, '-b', chatBody({ model: DEFAULTS.MODEL, maxTokens: null }, uniquePrompt(DEFAULTS.PROMPT, { run: 'm3k2x9ab', scenario: 'load', vu: 17, iteration: 4242 }), false), `${url}/v1/chat/completions`]
    : [`${url}/health`];

const SCRIPT = `import http from 'k6/http';
export default async function () {
  await http.asyncRequest('GET', __ENV.TARGET + '/health');
}
`;

/** CPU of start-up and exit (a one-request run), subtracted from each round's CPU. */
let acFixedMs = 0;
let engineFixedMs = 0;

async function autocannon(url: string, connections = vus, limit: string[] = ['-d', String(seconds)]): Promise<{ rps: number; cpuMs: number; cpuUsPerReq: number }> {
  const argv = [...pin(1), process.execPath, join(ROOT, 'node_modules', 'autocannon', 'autocannon.js'), '-j', '-c', String(connections), ...limit, ...acRequest(url)];
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  let cpu = 0;
  const sampler = setInterval(() => {
    const c = child.pid ? cpuMs(child.pid) : null;
    if (c !== null) cpu = c;
  }, 100);
  await new Promise((resolve) => child.on('close', resolve));
  clearInterval(sampler);
  const result = JSON.parse(out) as { requests: { total: number }; duration: number; errors: number; non2xx: number };
  if (result.errors || result.non2xx) console.error(`autocannon: ${result.errors} errors, ${result.non2xx} non-2xx`);
  return { rps: result.requests.total / result.duration, cpuMs: cpu, cpuUsPerReq: (Math.max(0, cpu - acFixedMs) * 1000) / result.requests.total };
}

const tmp = scratch();
const script = BASIC ? join(ROOT, 'dist', 'basic.js') : tmp.write('closed-loop.js', SCRIPT);
/** Engine flags for a closed loop of `n` VUs for `secs` seconds (0: one iteration). */
const engineArgs = (url: string, n: number, secs: number): string[] =>
  BASIC
    ? ['-e', `TARGET=${url}`, '-e', `CONCURRENCY=${n}`, ...(secs > 0 ? ['-e', `DURATION=${secs}s`] : ['-e', 'REQUESTS=1']), script]
    : ['-e', `TARGET=${url}`, '--vus', String(n), ...(secs > 0 ? ['--duration', `${secs}s`] : ['--iterations', '1']), script];
const mock = await startMock(['--latency', '0ms']);
try {
  const fixedAc: number[] = [];
  const fixed = ENGINES.map((): number[] => []);
  for (let i = 0; i < 3; i++) {
    fixedAc.push((await autocannon(mock.url, 1, ['-a', '1'])).cpuMs);
    for (const [e, { bin }] of ENGINES.entries()) {
      const one = await runEngineProcess(engineArgs(mock.url, 1, 0), join(tmp.dir, `fixed-${e}-${i}.json`), undefined, true, bin);
      if (one.cpuMs !== null) fixed[e].push(one.cpuMs);
    }
  }
  acFixedMs = median(fixedAc);
  const fixedMs = fixed.map(median);
  const ac: number[] = [];
  const acCpu: number[] = [];
  const per = ENGINES.map(() => ({ rps: [] as number[], ratios: [] as number[], cpu: [] as number[] }));
  for (let round = 1; round <= rounds; round++) {
    const a = await autocannon(mock.url);
    ac.push(a.rps);
    acCpu.push(a.cpuUsPerReq);
    const parts = [`autocannon ${a.rps.toFixed(0)} req/s (${a.cpuUsPerReq.toFixed(1)} µs CPU/req)`];
    for (const [e, { name, bin }] of ENGINES.entries()) {
      const run = await runEngineProcess(engineArgs(mock.url, vus, seconds), join(tmp.dir, `round-${e}-${round}.json`), undefined, true, bin);
      if (run.code !== 0 || !run.summary) throw new Error(`${name} run failed (exit ${run.code}): ${run.stderr.slice(-500)}`);
      const rps = run.summary.metrics.http_reqs.rate as number;
      const count = run.summary.metrics.http_reqs.count as number;
      const failed = run.summary.metrics.http_req_failed?.value ?? 0;
      if (failed > 0) console.error(`${name}: http_req_failed rate ${failed}`);
      const cpu = run.cpuMs === null ? NaN : (Math.max(0, run.cpuMs - fixedMs[e]) * 1000) / count;
      per[e].rps.push(rps);
      per[e].ratios.push(rps / a.rps);
      per[e].cpu.push(cpu);
      parts.push(`${name} ${rps.toFixed(0)} req/s (${cpu.toFixed(1)} µs CPU/req), ratio ${((rps / a.rps) * 100).toFixed(1)}%`);
    }
    console.log(`round ${round}: ${parts.join(', ')}`);
  }
  console.log(`\nmachine: ${machine()}; ${pinningNote()}`);
  console.log(`${BASIC ? 'dist/basic.js (POST /v1/chat/completions)' : 'GET /health'}, mock latency 0, ${vus} VUs vs ${vus} connections, ${seconds}s x ${rounds} rounds`);
  console.log(`median autocannon ${median(ac).toFixed(0)} req/s, ${median(acCpu).toFixed(1)} µs CPU/req (start-up and exit of a one-request run subtracted: ${acFixedMs.toFixed(0)} ms)`);
  for (const [e, { name }] of ENGINES.entries()) {
    const { rps, ratios, cpu } = per[e];
    console.log(
      `${name}: median ${median(rps).toFixed(0)} req/s, median of per-round ratios ${(median(ratios) * 100).toFixed(1)}% ` +
        `(target >= ${TARGET_SHARE * 100}%: ${median(ratios) >= TARGET_SHARE ? 'met' : 'NOT met'}), ` +
        `CPU per request ${median(cpu).toFixed(1)} µs (start-up and exit subtracted: ${fixedMs[e].toFixed(0)} ms; CPU-bound ratio ${((median(acCpu) / median(cpu)) * 100).toFixed(1)}%)`,
    );
  }
} finally {
  await mock.stop();
  tmp.cleanup();
}
