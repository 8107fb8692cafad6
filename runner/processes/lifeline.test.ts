// `kill -9` of the runner mid-run: nothing it started may survive it (mock, nginx master and
// worker, the engine), the ports are free again, its temporary directory goes; a directory left by
// a runner that died without any cleanup is removed by the next run.
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, newMark, nginxTargetCmd, runBench, startBench, watchFamily, writeNginxConfig } from '../bench-test-helpers.ts';
import { accepts } from '../target.ts';
import { isAlive, killTree } from './process-tree.ts';
import { readProcTable } from './proc-table.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeline-'));
  await chmod(dir, 0o755); // nginx workers run as an unprivileged user when the master is root
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Whether this process can listen on 127.0.0.1:`port` (nothing holds it). */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Pids whose environment holds `KEY=value`. */
function withEnv(entry: string): number[] {
  return [...readProcTable().keys()].filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(entry);
    } catch {
      return false;
    }
  });
}

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ');
  } catch {
    return '';
  }
};

const startTime = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
};

const workDirs = (tmp: string) => readdirSync(tmp).filter((name) => name.startsWith('llmux-bench-'));

async function until(what: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await what()) return true;
    await sleep(100);
  }
  return what();
}

describe('runner killed with SIGKILL', () => {
  it('leaves no mock, nginx or engine behind, frees the ports and the temp directory; the next run sweeps a dead runner\'s directory', async () => {
    const prefix = join(dir, 'nginx');
    const tmp = join(dir, 'tmp');
    const out = join(dir, 'results');
    await mkdir(prefix, { mode: 0o755 });
    await mkdir(tmp);
    const port = await freePort();
    await writeNginxConfig(prefix, port, '$MOCK_PORT');
    const mark = newMark();
    const family = watchFamily(mark, prefix);
    let stderr = '';
    const bench = startBench(
      [
        '--target', `http://127.0.0.1:${port}`, '--target-cmd', nginxTargetCmd(prefix), '--name', 'killed', '--output', out,
        '--duration', '60', '--warmup', '0', '--concurrency', '4', '--mock-latency', '20ms', '--engine', 'embedded', '--quiet',
      ],
      mark,
      (text) => (stderr = text),
      { TMPDIR: tmp },
    );
    const runner = bench.child.pid!;
    try {
      // Mid-run: nginx answers and the baseline's engine is running.
      const engineRunning = () => family.stop().some((pid) => isAlive(pid) && cmdline(pid).includes(' engine run '));
      expect(await until(() => stderr.includes(`target http://127.0.0.1:${port} answers`) && engineRunning(), 100_000)).toBe(true);
      const mockPort = Number(/mock listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)![1]);
      const runnerStart = startTime(runner);
      const pids = family.stop().filter((pid) => pid !== runner && isAlive(pid));
      const lines = pids.map(cmdline);
      expect(lines.filter((line) => line.includes(' mock '))).toHaveLength(1);
      expect(lines.filter((line) => line.includes(' engine run '))).toHaveLength(1);
      expect(lines.filter((line) => line.startsWith('nginx: master'))).toHaveLength(1);
      expect(lines.filter((line) => line.startsWith('nginx: worker'))).toHaveLength(1);
      expect(workDirs(tmp)).toHaveLength(1);
      const lifeline = withEnv(`LLMUX_LIFELINE_OF=${runner}`);
      expect(lifeline).toHaveLength(1);

      const killedAt = Date.now();
      bench.child.kill('SIGKILL');
      const run = await bench.done;
      expect(run.signal).toBe('SIGKILL');

      // Within a few seconds: every process gone, both ports free, the temp directory removed.
      const clean = async () =>
        [...pids, ...lifeline].every((pid) => !isAlive(pid)) &&
        workDirs(tmp).length === 0 &&
        !(await accepts('127.0.0.1', port, 200)) &&
        !(await accepts('127.0.0.1', mockPort, 200));
      expect(await until(clean, 8_000)).toBe(true);
      expect(Date.now() - killedAt).toBeLessThan(8_000);
      expect(pids.filter(isAlive).map(cmdline)).toEqual([]);
      expect(await bindable(port)).toBe(true);
      expect(await bindable(mockPort)).toBe(true);

      // A runner that died with its watcher (nothing cleaned up): its directory, marked with its
      // pid, is removed by the next run; one whose owner lives (this test process) stays.
      const stale = join(tmp, 'llmux-bench-dead01');
      const live = join(tmp, 'llmux-bench-live01');
      for (const [d, owner] of [[stale, `${runner} ${runnerStart}`], [live, `${process.pid} ${startTime(process.pid)}`]]) {
        await mkdir(d);
        await writeFile(join(d, '.owner'), `${owner}\n`);
        await writeFile(join(d, 'baseline-1.summary.json'), '{}');
      }
      const next = await runBench(['--requests', '50', '--concurrency', '2', '--warmup', '0', '--engine', 'embedded', '--quiet', '--output', out], newMark(), { TMPDIR: tmp });
      expect(next.stderr).not.toMatch(/error|warning/i);
      expect(next.code).toBe(0);
      expect(workDirs(tmp)).toEqual(['llmux-bench-live01']);
    } finally {
      for (const pid of family.stop()) if (isAlive(pid)) await killTree(pid, { graceMs: 500 });
    }
  }, 240_000); // two bench runs and nginx on a loaded 2-core machine
});
