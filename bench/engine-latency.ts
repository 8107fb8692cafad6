// Timing accuracy of the embedded engine: against the mock at 50 ms latency, constant-arrival-rate
// at 1000 requests/s. Targets: p50 http_req_duration within 0.5 ms of 50 ms; achieved rate within
// 2% of 1000/s; no dropped iterations. The p50 includes the mock's own delay accuracy (Node timers
// fire at millisecond granularity, late rather than early) and the machine's load.
// With --bare, the target is a bare node:http server that answers after setTimeout(latency)
// instead of the mock: what remains over the latency is the engine's own share.
//   node --import tsx bench/engine-latency.ts [--rate 1000] [--seconds 20] [--latency 50] [--bare]
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machine, pin, pinningNote, runEngineProcess, scratch, startMock } from './engine-common.ts';

const { values } = parseArgs({
  options: { rate: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '20' }, latency: { type: 'string', default: '50' }, bare: { type: 'boolean', default: false } },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const latency = Number(values.latency);

const SCRIPT = `import http from 'k6/http';
const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 });
const params = { headers: { 'content-type': 'application/json' } };
export const options = {
  scenarios: { open: { executor: 'constant-arrival-rate', rate: ${rate}, timeUnit: '1s', duration: '${seconds}s', preAllocatedVUs: ${Math.ceil((rate * latency) / 1000) * 2 + 20}, maxVUs: ${rate} } },
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(99)', 'max', 'count'],
};
export default async function () {
  await http.asyncRequest('POST', __ENV.TARGET + '/v1/chat/completions', body, params);
}
`;

const tmp = scratch();
const script = tmp.write('open-model.js', SCRIPT);
const BARE_SERVER = `const http = require('node:http');
const s = http.createServer((req, res) => { req.resume(); req.on('end', () => setTimeout(() => res.end('{"ok":true}'), ${latency})); });
s.keepAliveTimeout = 65000;
s.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + s.address().port));`;

async function startBare(): Promise<{ url: string; stop(): Promise<void> }> {
  const argv = [...pin(0), process.execPath, '-e', BARE_SERVER];
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(/listening on (\S+)/.exec(d.toString())?.[1] ?? ''));
    child.once('exit', () => reject(new Error('bare server exited')));
  });
  return { url, stop: async () => void child.kill() };
}

const mock = values.bare ? await startBare() : await startMock(['--latency', `${latency}ms`, '--tokens', '5']);
try {
  const run = await runEngineProcess(['-e', `TARGET=${mock.url}`, script], join(tmp.dir, 'summary.json'));
  if (run.code !== 0 || !run.summary) throw new Error(`engine run failed (exit ${run.code}): ${run.stderr.slice(-500)}`);
  const m = run.summary.metrics;
  const duration = m.http_req_duration;
  const iterations = m.iterations.count as number;
  const dropped = (m.dropped_iterations?.count as number | undefined) ?? 0;
  const expected = rate * seconds;
  const achieved = m.iterations.rate as number;
  const p50 = duration.med as number;
  console.log(`machine: ${machine()}; ${pinningNote()}`);
  console.log(`${values.bare ? 'bare node:http server' : 'mock'} latency ${latency} ms, constant-arrival-rate ${rate}/s for ${seconds}s`);
  console.log(`http_req_duration: med ${p50.toFixed(3)} ms, p90 ${duration['p(90)'].toFixed(3)} ms, p99 ${duration['p(99)'].toFixed(3)} ms, min ${duration.min.toFixed(3)} ms`);
  console.log(`http_req_waiting med ${m.http_req_waiting.med.toFixed(3)} ms, http_req_blocked med ${m.http_req_blocked.med.toFixed(3)} ms`);
  console.log(`iterations started ${iterations} + dropped ${dropped} of ${expected} scheduled; achieved ${achieved.toFixed(1)}/s over the run`);
  const p50ok = Math.abs(p50 - latency) <= 0.5;
  const countOk = Math.abs(iterations + dropped - expected) / expected <= 0.02 && dropped === 0;
  console.log(`p50 within 0.5 ms of ${latency} ms: ${p50ok ? 'met' : 'NOT met'} (${(p50 - latency).toFixed(3)} ms)`);
  console.log(`rate within 2%, nothing dropped: ${countOk ? 'met' : 'NOT met'}`);
} finally {
  await mock.stop();
  tmp.cleanup();
}
