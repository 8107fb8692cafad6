// Cost of one resource sample (every 250 ms during a run) on this machine: reading /proc once for
// all the watched trees (what runner/sampling/sampler.ts does on Linux) against pidtree + pidusage (which
// spawn `ps` for the tree). The runner shares the machine with what it measures, so this is CPU
// taken from the target.
//
//   node --import tsx bench/runner-sampler-cost.ts [--samples 200]
import { availableParallelism, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import pidtree from 'pidtree';
import pidusage from 'pidusage';
import { readProcTable, treeOf } from '../runner/processes/proc-table.ts';

const i = process.argv.indexOf('--samples');
const SAMPLES = i >= 0 ? Number(process.argv[i + 1]) : 200;

async function time(label: string, once: () => unknown | Promise<unknown>): Promise<void> {
  for (let n = 0; n < 5; n++) await once(); // warm
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let n = 0; n < SAMPLES; n++) await once();
  const wall = (performance.now() - t0) / SAMPLES;
  const cpu = process.cpuUsage(cpu0);
  const ownCpu = (cpu.user + cpu.system) / 1000 / SAMPLES;
  console.log(`${label.padEnd(34)} ${wall.toFixed(2).padStart(7)} ms wall, ${ownCpu.toFixed(2).padStart(6)} ms CPU in this process per sample`);
}

const table = readProcTable();
console.log(`machine: ${cpus()[0]?.model ?? '?'}, ${availableParallelism()} cores, Node ${process.version}, ${table.size} processes, ${SAMPLES} samples\n`);
const roots = [process.pid, process.ppid, 1];
await time('/proc scan, 3 trees (runner)', () => {
  const t = readProcTable();
  for (const root of roots) treeOf(t, root);
});
await time('pidtree + pidusage, 3 trees', async () => {
  for (const root of roots) {
    const pids = await pidtree(root, { root: true }).catch(() => [root]);
    await pidusage(pids.slice(0, 50));
  }
});
pidusage.clear();
console.log('\n(pidtree runs `ps`: its CPU is in a child process, not counted above.)');
