// Throughput of the embedded engine against autocannon on the same mock (0 latency), side by side:
// engine 100 VUs closed loop vs autocannon 100 connections (no pipelining), alternating rounds.
// Target: engine RPS >= 70% of autocannon's.
//   node --import tsx bench/engine-vs-autocannon.ts [--rounds 3] [--seconds 10] [--vus 100]
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, machine, median, pin, pinningNote, runEngineProcess, scratch, startMock } from './engine-common.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '10' }, vus: { type: 'string', default: '100' } } });
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const vus = Number(values.vus);

const SCRIPT = `import http from 'k6/http';
export default async function () {
  await http.asyncRequest('GET', __ENV.TARGET + '/health');
}
`;

async function autocannon(url: string): Promise<number> {
  const argv = [...pin(1), process.execPath, join(ROOT, 'node_modules', 'autocannon', 'autocannon.js'), '-j', '-c', String(vus), '-d', String(seconds), url];
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise((resolve) => child.on('close', resolve));
  const result = JSON.parse(out) as { requests: { total: number }; duration: number; errors: number; non2xx: number };
  if (result.errors || result.non2xx) console.error(`autocannon: ${result.errors} errors, ${result.non2xx} non-2xx`);
  return result.requests.total / result.duration;
}

const tmp = scratch();
const script = tmp.write('closed-loop.js', SCRIPT);
const mock = await startMock(['--latency', '0ms']);
try {
  const engine: number[] = [];
  const ac: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const a = await autocannon(`${mock.url}/health`);
    ac.push(a);
    const run = await runEngineProcess(['-e', `TARGET=${mock.url}`, '--vus', String(vus), '--duration', `${seconds}s`, script], join(tmp.dir, `round-${round}.json`));
    if (run.code !== 0 || !run.summary) throw new Error(`engine run failed (exit ${run.code}): ${run.stderr.slice(-500)}`);
    const rps = run.summary.metrics.http_reqs.rate as number;
    const failed = run.summary.metrics.http_req_failed?.value ?? 0;
    if (failed > 0) console.error(`engine: http_req_failed rate ${failed}`);
    engine.push(rps);
    console.log(`round ${round}: autocannon ${a.toFixed(0)} req/s, engine ${rps.toFixed(0)} req/s (${((rps / a) * 100).toFixed(1)}%)`);
  }
  const ratio = median(engine) / median(ac);
  console.log(`\nmachine: ${machine()}; ${pinningNote()}`);
  console.log(`GET /health, mock latency 0, ${vus} VUs vs ${vus} connections, ${seconds}s x ${rounds} rounds`);
  console.log(`median autocannon ${median(ac).toFixed(0)} req/s, median engine ${median(engine).toFixed(0)} req/s`);
  console.log(`best round: autocannon ${Math.max(...ac).toFixed(0)} req/s, engine ${Math.max(...engine).toFixed(0)} req/s (${((Math.max(...engine) / Math.max(...ac)) * 100).toFixed(1)}%)`);
  console.log(`engine / autocannon (medians) = ${(ratio * 100).toFixed(1)}% (target >= 70%: ${ratio >= 0.7 ? 'met' : 'NOT met'})`);
} finally {
  await mock.stop();
  tmp.cleanup();
}
