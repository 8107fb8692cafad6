// Memory of the embedded engine: 1000 VUs of the streaming scenario (dist/streaming.js) against the
// mock; peak RSS of the engine process from /proc. Target < 300 MB.
//   node --import tsx bench/engine-memory.ts [--vus 1000] [--seconds 20]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBuilt, scriptPath } from '../runner/engines/build.ts';
import { machine, pinningNote, runEngineProcess, scratch, startMock } from './engine-common.ts';

const { values } = parseArgs({ options: { vus: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '20' } } });
const vus = Number(values.vus);
const seconds = Number(values.seconds);

await ensureBuilt();
const tmp = scratch();
const mock = await startMock(['--latency', '50ms', '--itl', '10ms', '--tokens', '20']);
try {
  const env = { TARGET: mock.url, CONCURRENCY: String(vus), DURATION: `${seconds}s`, OUTPUT: tmp.dir, NAME: 'memory' };
  const args = [...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), scriptPath('streaming')];
  const run = await runEngineProcess(args, join(tmp.dir, 'summary.json'));
  if (!run.summary) throw new Error(`engine run failed (exit ${run.code}): ${run.stderr.slice(-500)}`);
  const m = run.summary.metrics;
  const mb = (run.peakRssBytes ?? NaN) / 1024 / 1024;
  console.log(`machine: ${machine()}; ${pinningNote()}`);
  console.log(`streaming scenario, ${vus} VUs for ${seconds}s, mock 50 ms latency, 10 ms ITL, 20 tokens (exit ${run.code})`);
  console.log(`streams ${m.http_reqs.count} (${m.http_reqs.rate.toFixed(0)}/s), failed rate ${m.http_req_failed?.value ?? 'n/a'}, vus max ${m.vus?.max ?? 'n/a'}`);
  console.log(`peak RSS ${mb.toFixed(1)} MB (target < 300 MB: ${mb < 300 ? 'met' : 'NOT met'})`);
} finally {
  await mock.stop();
  tmp.cleanup();
}
