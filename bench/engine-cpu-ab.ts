// CPU time per request of the event-loop path, this checkout against another one (e.g. a worktree
// of main), alternating: N iterations of `await http.asyncRequest('GET', .../health)` with 50 VUs,
// minus a run where each VU makes one request (start-up, VU init, exit). CPU time moves less than
// req/s when the machine is shared.
//   node --import tsx bench/engine-cpu-ab.ts --other /path/to/other/checkout [--rounds 3] [--iterations 20000]
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cpuMs, machine, median, pin, ROOT, scratch, startMock } from './engine-common.ts';

const { values } = parseArgs({ options: { other: { type: 'string' }, rounds: { type: 'string', default: '3' }, iterations: { type: 'string', default: '20000' } } });
if (!values.other) {
  console.error('engine-cpu-ab: --other DIR (another checkout with node_modules) is required');
  process.exit(2);
}
const rounds = Number(values.rounds);
const iterations = Number(values.iterations);
const SCRIPT = `import http from 'k6/http';
export default async function () {
  await http.asyncRequest('GET', __ENV.TARGET + '/health');
}
`;

async function cpuOf(root: string, args: string[]): Promise<number> {
  const argv = [...pin(1), process.execPath, join(root, 'bin', 'llmux-bench.mjs'), 'engine', 'run', '-q', ...args];
  const child = spawn(argv[0], argv.slice(1), { stdio: 'ignore', cwd: root });
  let cpu = 0;
  const sampler = setInterval(() => {
    const c = child.pid ? cpuMs(child.pid) : null;
    if (c !== null) cpu = c;
  }, 50);
  const code = await new Promise<number | null>((r) => child.on('close', r));
  clearInterval(sampler);
  if (code !== 0) throw new Error(`engine in ${root} exited ${code}`);
  return cpu;
}

const tmp = scratch();
const script = tmp.write('closed-loop.js', SCRIPT);
const mock = await startMock(['--latency', '0ms']);
try {
  const per: Record<string, number[]> = { this: [], other: [] };
  for (let round = 1; round <= rounds; round++) {
    const line: string[] = [];
    for (const [name, root] of [['this', ROOT], ['other', values.other]] as const) {
      const base = ['-e', `TARGET=${mock.url}`, '--vus', '50'];
      const fixed = await cpuOf(root, [...base, '--iterations', '50', script]);
      const full = await cpuOf(root, [...base, '--iterations', String(iterations), script]);
      const us = (Math.max(0, full - fixed) * 1000) / iterations;
      per[name].push(us);
      line.push(`${name} ${us.toFixed(1)} µs CPU/req`);
    }
    console.log(`round ${round}: ${line.join(', ')}`);
  }
  console.log(`machine: ${machine()}; engine pinned to CPU 1; shared machine, other load present`);
  console.log(`median: this ${median(per.this).toFixed(1)} µs, other ${median(per.other).toFixed(1)} µs CPU per request (this/other ${((median(per.this) / median(per.other)) * 100).toFixed(0)}%)`);
} finally {
  await mock.stop();
  tmp.cleanup();
}
