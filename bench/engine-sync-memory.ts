// Memory of the VUs of a synchronous script (http.get + sleep(1)) against the mock, on the event
// loop (--sync-vus loop, the default) or on worker threads (--sync-vus threads); peak RSS of the
// engine process from /proc. Targets: 200 VUs <= 1.5 GB, 1000 VUs run.
//   node --import tsx bench/engine-sync-memory.ts [--vus 200,1000] [--seconds 20] [--sync-vus loop|threads]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machine, pinningNote, runEngineProcess, scratch, startMock } from './engine-common.ts';

const { values } = parseArgs({ options: { vus: { type: 'string', default: '200,1000' }, seconds: { type: 'string', default: '20' }, 'sync-vus': { type: 'string', default: 'loop' } } });
const seconds = Number(values.seconds);

const SCRIPT = `import http from 'k6/http';
import { check, sleep } from 'k6';
export default function () {
  const res = http.get(__ENV.TARGET + '/health');
  check(res, { ok: (r) => r.status === 200 });
  sleep(1);
}
`;

const tmp = scratch();
const script = tmp.write('sync-sleep.js', SCRIPT);
const mock = await startMock(['--latency', '0ms']);
try {
  console.log(`machine: ${machine()}; ${pinningNote()}; shared machine, other load present; --sync-vus ${values['sync-vus']}`);
  for (const vus of values.vus.split(',').map(Number)) {
    const run = await runEngineProcess(['--sync-vus', values['sync-vus']!, '-e', `TARGET=${mock.url}`, '--vus', String(vus), '--duration', `${seconds}s`, script], join(tmp.dir, `memory-${vus}.json`), 900_000);
    const m = run.summary?.metrics;
    const mb = (run.peakRssBytes ?? NaN) / 1048576;
    console.log(
      `${vus} VUs for ${seconds}s: exit ${run.code}, requests ${m?.http_reqs?.count ?? 'n/a'}, checks failed ${m?.checks?.fails ?? 'n/a'}, ` +
        `peak RSS ${mb.toFixed(0)} MB (${(mb / vus).toFixed(2)} MB per VU), wall ${(run.wallMs / 1000).toFixed(1)}s including VU start-up`,
    );
  }
} finally {
  await mock.stop();
  tmp.cleanup();
}
