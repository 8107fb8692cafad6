// Throughput of the embedded engine against autocannon on the same mock (0 latency), side by side:
// engine 100 VUs closed loop vs autocannon 100 connections (no pipelining), alternating rounds.
// Target: engine RPS >= 70% of autocannon's. On a shared machine the CPU each process gets
// varies between rounds, so the script also prints the CPU time each spends per request
// (user + system, from /proc, minus the CPU of a one-request run's start-up and exit), which
// competing load disturbs less than req/s.
//   node --import tsx bench/engine-vs-autocannon.ts [--rounds 5] [--seconds 10] [--vus 100]
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, cpuMs, machine, median, pin, pinningNote, runEngineProcess, scratch, startMock } from './engine-common.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, seconds: { type: 'string', default: '10' }, vus: { type: 'string', default: '100' } } });
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const vus = Number(values.vus);

const SCRIPT = `import http from 'k6/http';
export default async function () {
  await http.asyncRequest('GET', __ENV.TARGET + '/health');
}
`;

/** CPU of start-up and exit (a one-request run), subtracted from each round's CPU. */
let acFixedMs = 0;
let engineFixedMs = 0;

async function autocannon(url: string, connections = vus, limit: string[] = ['-d', String(seconds)]): Promise<{ rps: number; cpuMs: number; cpuUsPerReq: number }> {
  const argv = [...pin(1), process.execPath, join(ROOT, 'node_modules', 'autocannon', 'autocannon.js'), '-j', '-c', String(connections), ...limit, url];
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
const script = tmp.write('closed-loop.js', SCRIPT);
const mock = await startMock(['--latency', '0ms']);
try {
  const fixedAc: number[] = [];
  const fixedEngine: number[] = [];
  for (let i = 0; i < 3; i++) {
    fixedAc.push((await autocannon(`${mock.url}/health`, 1, ['-a', '1'])).cpuMs);
    const one = await runEngineProcess(['-e', `TARGET=${mock.url}`, '--vus', '1', '--iterations', '1', script], join(tmp.dir, `fixed-${i}.json`));
    if (one.cpuMs !== null) fixedEngine.push(one.cpuMs);
  }
  acFixedMs = median(fixedAc);
  engineFixedMs = median(fixedEngine);
  const engine: number[] = [];
  const ac: number[] = [];
  const ratios: number[] = [];
  const engineCpu: number[] = [];
  const acCpu: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const a = await autocannon(`${mock.url}/health`);
    ac.push(a.rps);
    acCpu.push(a.cpuUsPerReq);
    const run = await runEngineProcess(['-e', `TARGET=${mock.url}`, '--vus', String(vus), '--duration', `${seconds}s`, script], join(tmp.dir, `round-${round}.json`));
    if (run.code !== 0 || !run.summary) throw new Error(`engine run failed (exit ${run.code}): ${run.stderr.slice(-500)}`);
    const rps = run.summary.metrics.http_reqs.rate as number;
    const count = run.summary.metrics.http_reqs.count as number;
    const failed = run.summary.metrics.http_req_failed?.value ?? 0;
    if (failed > 0) console.error(`engine: http_req_failed rate ${failed}`);
    engine.push(rps);
    ratios.push(rps / a.rps);
    const eCpu = run.cpuMs === null ? NaN : (Math.max(0, run.cpuMs - engineFixedMs) * 1000) / count;
    engineCpu.push(eCpu);
    console.log(
      `round ${round}: autocannon ${a.rps.toFixed(0)} req/s (${a.cpuUsPerReq.toFixed(1)} µs CPU/req), ` +
        `engine ${rps.toFixed(0)} req/s (${eCpu.toFixed(1)} µs CPU/req), ratio ${((rps / a.rps) * 100).toFixed(1)}%`,
    );
  }
  const ratio = median(engine) / median(ac);
  console.log(`\nmachine: ${machine()}; ${pinningNote()}`);
  console.log(`GET /health, mock latency 0, ${vus} VUs vs ${vus} connections, ${seconds}s x ${rounds} rounds`);
  console.log(`median autocannon ${median(ac).toFixed(0)} req/s, median engine ${median(engine).toFixed(0)} req/s`);
  console.log(`median of per-round ratios ${(median(ratios) * 100).toFixed(1)}%`);
  console.log(
    `CPU per request (medians; start-up and exit of a one-request run subtracted: autocannon ${acFixedMs.toFixed(0)} ms, engine ${engineFixedMs.toFixed(0)} ms): autocannon ${median(acCpu).toFixed(1)} µs, engine ${median(engineCpu).toFixed(1)} µs ` +
      `(CPU-bound ratio ${((median(acCpu) / median(engineCpu)) * 100).toFixed(1)}%)`,
  );
  console.log(`engine / autocannon (medians) = ${(ratio * 100).toFixed(1)}% (target >= 70%: ${ratio >= 0.7 ? 'met' : 'NOT met'})`);
} finally {
  await mock.stop();
  tmp.cleanup();
}
