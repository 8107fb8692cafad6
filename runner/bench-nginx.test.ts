// End to end: `llmux-bench bench` against a real reverse proxy (Debian's nginx) in front of the mock.
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, newMark, nginxTargetCmd, nginxTempDir, NGINX, readResult, resultFiles, runBench, watchFamily, writeNginxConfig } from './bench-test-helpers.ts';
import { descendants, isAlive, killTree } from './processes/process-tree.ts';
import { describePinning, planPinning, tasksetPath } from './sampling/pinning.ts';

const SECRET_KEY = 'sk-never-print-7f3a9c';
const SECRET_HEADER = 'team-secret-51d0e2';
// Small, fast runs: a few thousand requests at 5 ms mock latency.
const LOAD = ['--concurrency', '20', '--mock-latency', '5ms', '--engine', 'embedded', '--quiet'];

let dir: string;
beforeAll(async () => {
  dir = await nginxTempDir('bench-nginx-');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bench against nginx', () => {
  it('starts nginx with --target-cmd, measures baseline and target, stops everything', async () => {
    const prefix = join(dir, 'cmd');
    const out = join(dir, 'cmd-results');
    await mkdir(prefix, { mode: 0o755 });
    const port = await freePort();
    await writeNginxConfig(prefix, port, '$MOCK_PORT');
    const mark = newMark();
    const family = watchFamily(mark, prefix);
    const run = await runBench(
      [
        '--target', `http://127.0.0.1:${port}`, '--target-cmd', nginxTargetCmd(prefix), '--name', 'nginx', '--output', out,
        '--requests', '2000', '--warmup', '1', ...LOAD, '--api-key', SECRET_KEY, '--header', `X-Team: ${SECRET_HEADER}`,
      ],
      mark,
    );
    const pids = family.stop();
    expect(run.stderr).not.toMatch(/Error|warning/);
    expect(run.code).toBe(0);

    // No process of the run is left: mock, nginx master and worker, load generators.
    expect(pids.length).toBeGreaterThanOrEqual(4);
    expect(pids.filter(isAlive)).toEqual([]);

    const files = resultFiles(out);
    expect(files).toHaveLength(2);
    const baselineName = files.find((f) => f.startsWith('baseline_'))!;
    const nginx = await readResult(join(out, files.find((f) => f.startsWith('nginx_'))!));
    const baseline = await readResult(join(out, baselineName));

    for (const r of [baseline, nginx]) {
      expect(r.total_requests).toBe(2000);
      expect(r.success_requests).toBe(2000);
      expect(r.failed_requests).toBe(0);
      expect(r.partial).toBe(false);
      expect(r.engine?.name).toBe('embedded');
      expect(r.rig?.mock_cpu_peak_percent).toBeGreaterThan(0);
      expect(r.rig?.loadgen_cpu_peak_percent).toBeGreaterThan(0);
      expect(typeof r.rig?.rig_saturated).toBe('boolean');
      // Pinned by default (2+ cores with taskset): the placement is in the environment and under rig.
      const plan = tasksetPath() ? planPinning() : null;
      expect(r.environment).toMatchObject({ cores: expect.any(Number), node: process.version, k6: null, pinning: plan ? describePinning(plan) : null });
      expect(r.rig?.placement?.pinned).toBe(plan !== null);
      expect(r.mock).toMatchObject({ latency: 5_000_000 });
      expect(r.repeat).toEqual({ runs: 1, rps_cov: null });
      expect(r.load?.warmup_seconds).toBe(1);
    }
    // The baseline has no proxy to measure; the mock's CPU is in rig.
    expect(baseline.memory).toBeNull();
    expect(baseline.cpu).toBeNull();
    expect(baseline.baseline_file).toBeNull();
    expect(nginx.target).toBe(`http://127.0.0.1:${port}`);
    expect(nginx.memory?.source).toBe('target-cmd');
    // nginx (master + worker) holds a few MB; far less than a Node process would.
    expect(nginx.memory!.peak_rss_bytes).toBeGreaterThan(1_000_000);
    expect(nginx.memory!.peak_rss_bytes).toBeLessThan(60_000_000);
    expect(nginx.memory!.samples).toBeGreaterThanOrEqual(2);
    expect(nginx.cpu!.avg_percent).toBeGreaterThan(0);
    expect(nginx.cpu!.peak_percent).toBeGreaterThan(0);
    expect(nginx.baseline_file).toBe(join(out, baselineName));
    for (const field of ['latency_p50', 'latency_p95', 'latency_p99'] as const) {
      expect(nginx.overhead![field]).toBe(nginx[field]! - baseline[field]!);
    }

    // The table went to stdout; secrets went nowhere, not even into a command line.
    // (The bench's own command line holds what the user typed; its children's must not.)
    const children = [...family.commandLines()].filter(([pid]) => pid !== run.pid).map(([, line]) => line);
    expect(children.some((line) => line.includes(' engine run '))).toBe(true);
    for (const line of children) {
      expect(line).not.toContain(SECRET_KEY);
      expect(line).not.toContain(SECRET_HEADER);
    }
    expect(run.stdout).toMatch(/overhead p50/);
    expect(run.stdout).toContain(`wrote ${join(out, baselineName)}`);
    for (const text of [run.stdout, run.stderr, ...(await Promise.all(files.map((f) => readFile(join(out, f), 'utf8'))))]) {
      expect(text).not.toContain(SECRET_KEY);
      expect(text).not.toContain(SECRET_HEADER);
    }
  });

  it('measures an nginx it did not start, by --target-pid and by its port, and leaves it running', async () => {
    const prefix = join(dir, 'pid');
    await mkdir(prefix, { mode: 0o755 });
    const port = await freePort();
    const mockPort = await freePort();
    const conf = await writeNginxConfig(prefix, port, mockPort);
    const nginx = spawn(NGINX, ['-p', prefix, '-c', conf, '-e', join(prefix, 'error.log')], { stdio: 'ignore', detached: true });
    try {
      for (let i = 0; i < 100 && (await descendants(nginx.pid!)).length === 0; i++) await sleep(50);
      for (const [label, extra] of [['pid', ['--target-pid', String(nginx.pid)]], ['port', []]] as const) {
        const out = join(dir, `${label}-results`);
        const mark = newMark();
        const family = watchFamily(mark);
        const run = await runBench(
          ['--target', `http://127.0.0.1:${port}`, ...extra, '--mock-port', String(mockPort), '--no-baseline', '--warmup', '0', '--requests', '600', '--name', label, '--output', out, ...LOAD],
          mark,
        );
        expect(run.stderr).not.toMatch(/warning/);
        expect(run.code).toBe(0);
        expect(family.stop().filter(isAlive)).toEqual([]);
        const files = resultFiles(out);
        expect(files).toHaveLength(1); // --no-baseline: no baseline file
        const result = await readResult(join(out, files[0]));
        expect(result.success_requests).toBe(600);
        expect(result.memory?.source).toBe(label === 'pid' ? 'target-pid' : `port ${port}`);
        expect(result.memory!.peak_rss_bytes).toBeGreaterThan(1_000_000);
        expect(result.cpu!.avg_percent).not.toBeNull();
        expect(result.baseline_file).toBeNull();
        expect(result.overhead).toBeNull();
        expect(isAlive(nginx.pid!)).toBe(true);
      }
    } finally {
      await killTree(nginx.pid!, { graceMs: 2000 });
    }
    expect(isAlive(nginx.pid!)).toBe(false);
  });
});
