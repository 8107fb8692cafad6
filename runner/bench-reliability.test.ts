// Faults around `llmux-bench bench`, with the real CLI, real processes, signals and file systems:
// a flag the scenario would reject, an --output that cannot take results (read-only, full), and
// two quick Ctrl-C while the target run is under way.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../reporter/index.ts';
import { BIN, freePort, HEADER_PROXY, newMark, resultFiles, runBench, startBench, watchFamily } from './bench-test-helpers.ts';
import { errorLine } from './errors.ts';
import { isAlive, killTree } from './processes/process-tree.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const QUICK = ['--engine', 'embedded', '--quiet', '--warmup', '0', '--concurrency', '2', '--mock-latency', '20ms'];

let dir: string;
let tmp: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bench-reliability-'));
  tmp = join(dir, 'tmp');
  await mkdir(tmp);
});
afterAll(async () => {
  // The tmpfs below goes first: a mounted directory cannot be removed.
  if (mnt) spawnSync('umount', ['-l', mnt]);
  await rm(dir, { recursive: true, force: true });
});

const family = (mark: string) => watchFamily(mark);
const leftovers = (pids: number[], bench: number) => pids.filter((pid) => pid !== bench && isAlive(pid));
const workDirs = () => readdirSync(tmp).filter((name) => name.startsWith('llmux-bench-'));
const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ');
  } catch {
    return '';
  }
};

async function until(what: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !what()) await sleep(100);
  return what();
}

describe('bench: the scenario contract is checked before anything starts', () => {
  it('a header the scenario sets itself: one line naming --header, exit 2, no mock started', async () => {
    const mark = newMark();
    const seen = family(mark);
    const run = await runBench(['--header', 'Content-Type: x', '--output', join(dir, 'never'), ...QUICK], mark, { TMPDIR: tmp });
    const pids = seen.stop();
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe('llmux-bench bench: --header: must not set "Content-Type": the scenario sets it');
    expect(run.stderr).not.toMatch(/mock listening|\bat\s|107/);
    // No mock, proxy or load generator ever ran.
    const lines = [...seen.commandLines()].filter(([pid]) => pids.includes(pid) && pid !== run.pid).map(([, line]) => line);
    expect(lines.filter((line) => / (mock|engine run) /.test(line))).toEqual([]);
  });

  it('a bad variable from the environment is named as such', async () => {
    const run = await runBench(['--output', join(dir, 'never'), ...QUICK], newMark(), { TMPDIR: tmp, THRESHOLD_ERROR_RATE: '2' });
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe('llmux-bench bench: environment variable THRESHOLD_ERROR_RATE: must be a rate between 0 and 1 or "off", got "2"');
  });

  it("a script error's one-line message is what the runner quotes, not a stack frame", () => {
    // The engine's real output for a scenario rejecting its environment in the init stage.
    const engine = spawnSync(process.execPath, [BIN, 'engine', 'run', '-q', join(ROOT, 'dist/basic.js')], {
      cwd: ROOT,
      env: { ...process.env, HEADERS: 'Content-Type: x' },
      encoding: 'utf8',
    });
    expect(engine.status).toBe(107);
    expect(engine.stderr.trim().split('\n').at(-1)).toMatch(/^\s+at /);
    expect(errorLine(engine.stderr)).toBe('script error: ConfigError: HEADERS must not set "Content-Type": the scenario sets it');
    // k6 indents its frames with a tab.
    expect(errorLine('ERRO[0000] TypeError: x is undefined\n\tat default (file:///s.js:3:5(4))\n')).toBe('ERRO[0000] TypeError: x is undefined');
  });
});

// A tiny tmpfs gives a read-only and a full file system; without mount privileges these are skipped.
let mnt: string | null = null;
beforeAll(async () => {
  const point = join(dir, 'mnt');
  await mkdir(point);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', point]);
  if (mounted.status === 0) mnt = point;
  else console.warn(`skipping the read-only and full --output tests: cannot mount a tmpfs here (${mounted.stderr?.toString().trim() || mounted.error?.message})`);
});

describe('bench: --output that cannot take the results', () => {
  it('a path through a regular file: one line naming --output, exit 2, before the mock starts', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const run = await runBench(['--output', join(file, 'results'), ...QUICK], newMark(), { TMPDIR: tmp });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`llmux-bench bench: --output ${join(file, 'results')}: cannot create the directory (a part of the path is not a directory)\n`);
  });

  it('a read-only file system: exit 2 before anything starts', async (ctx) => {
    if (!mnt) return ctx.skip();
    const ro = join(mnt, 'ro');
    await mkdir(ro, { recursive: true });
    expect(spawnSync('mount', ['-o', 'remount,ro', mnt]).status).toBe(0);
    try {
      const run = await runBench(['--output', ro, ...QUICK], newMark(), { TMPDIR: tmp });
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`llmux-bench bench: --output ${ro}: cannot write result files there (read-only file system)\n`);
    } finally {
      spawnSync('mount', ['-o', 'remount,rw', mnt]);
    }
  });

  it('a disk that fills up during the run: one line, exit 1, no .tmp file, nothing left running', async (ctx) => {
    if (!mnt) return ctx.skip();
    const out = join(mnt, 'full');
    await mkdir(out, { recursive: true });
    const mark = newMark();
    const seen = family(mark);
    const bench = startBench(['--duration', '4', '--output', out, ...QUICK], mark, undefined, { TMPDIR: tmp });
    // Once the load runs, the disk fills.
    expect(await until(() => seen.stop().some((pid) => cmdline(pid).includes(' engine run ')), 100_000)).toBe(true);
    spawnSync('dd', ['if=/dev/zero', `of=${join(out, 'filler')}`, 'bs=64k'], { stdio: 'ignore' });
    const run = await bench.done;
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n').at(-1)).toBe(`llmux-bench bench: could not write the benchmark result: ${out}: no space left on device`);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(readdirSync(out)).toEqual(['filler']);
    expect(leftovers(seen.stop(), run.pid)).toEqual([]);
  }, 180_000);
});

describe('bench: two quick Ctrl-C', () => {
  // The target is a real forwarding proxy started by the runner, so the run's own mock sees the
  // readiness canary and the target phase really starts.
  const proxy = async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    return { url, args: ['--target', url, '--target-cmd', `exec node ${HEADER_PROXY} --port ${port} --upstream "$MOCK_URL"`] };
  };

  it('writes the finished baseline before exiting 130; no temp file or directory, no process left', async () => {
    const out = join(dir, 'ctrl-c');
    const mark = newMark();
    const seen = family(mark);
    const target = await proxy();
    const bench = startBench([...target.args, '--name', 'proxy', '--duration', '3', '--output', out, ...QUICK], mark, undefined, { TMPDIR: tmp });
    const engines = () => new Set([...seen.commandLines()].filter(([, line]) => line.includes(' engine run ')).map(([pid]) => pid));
    try {
      // The baseline's engine has finished and the target's is running.
      expect(await until(() => [...engines()].filter(isAlive).length === 1 && engines().size === 2, 150_000)).toBe(true);
      await sleep(500);
      bench.child.kill('SIGINT');
      await sleep(100);
      bench.child.kill('SIGINT');
      const run = await bench.done;
      expect(run.code).toBe(130);
      expect(run.stderr).toContain('stopping now: writing the runs that finished');
      const files = resultFiles(out);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^baseline_\d{8}_\d{6}\.json$/);
      expect(run.stdout).toContain(`wrote ${join(out, files[0])}`);
      const baseline = JSON.parse(readFileSync(join(out, files[0]), 'utf8')) as Result;
      expect(baseline.partial).toBe(false);
      expect(baseline.total_requests).toBeGreaterThan(0);
      expect(baseline.failed_requests).toBe(0);
      expect(readdirSync(out).filter((name) => name.endsWith('.tmp'))).toEqual([]);
      expect(await until(() => leftovers(seen.stop(), run.pid).length === 0 && workDirs().length === 0, 5_000)).toBe(true);
    } finally {
      for (const pid of leftovers(seen.stop(), -1)) await killTree(pid, { graceMs: 500 });
    }
  }, 240_000); // two runs of 3 s, and start-up on a loaded 2-core machine

  it('--sweep: writes the finished baseline side (with its capacity curve) before exiting 130', async () => {
    const out = join(dir, 'ctrl-c-sweep');
    const mark = newMark();
    const seen = family(mark);
    const target = await proxy();
    const bench = startBench(
      ['--sweep', ...target.args, '--name', 'proxy', '--start-rate', '20', '--max-rate', '40', '--step-duration', '1', '--slo-p99', '2s', '--output', out, '--engine', 'embedded', '--quiet', '--mock-latency', '20ms'],
      mark,
      undefined,
      { TMPDIR: tmp },
    );
    // An engine aimed at the target: the baseline side's sweep is over.
    const onTarget = () => [...seen.commandLines()].some(([pid, line]) => line.includes(' engine run ') && line.includes(`TARGET=${target.url}`) && isAlive(pid));
    try {
      expect(await until(onTarget, 200_000)).toBe(true);
      bench.child.kill('SIGINT');
      await sleep(100);
      bench.child.kill('SIGINT');
      const run = await bench.done;
      expect(run.code).toBe(130);
      const files = resultFiles(out);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^baseline_/);
      const baseline = JSON.parse(readFileSync(join(out, files[0]), 'utf8')) as Result;
      // 20 rps first; 40 too unless the loaded machine saturated the rig and ended the side there.
      expect(baseline.capacity?.steps[0]?.offered_rps).toBe(20);
      expect(baseline.partial).toBe(false);
      expect(readdirSync(out).filter((name) => name.endsWith('.tmp'))).toEqual([]);
      expect(await until(() => leftovers(seen.stop(), run.pid).length === 0, 5_000)).toBe(true);
    } finally {
      for (const pid of leftovers(seen.stop(), -1)) await killTree(pid, { graceMs: 500 });
    }
  }, 300_000);
});
