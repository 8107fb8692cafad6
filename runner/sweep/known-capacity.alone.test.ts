// End to end: `bench --sweep` finds a known capacity. The mock with --max-concurrency 20 and
// 50 ms latency serves at most 20 / 0.05 s = 400 requests per second; beyond that its queue
// grows and p99 leaves any SLO near 50 ms. Measured directly (the baseline side) and through
// a real nginx (the target side) in one run.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, newMark, nginxTargetCmd, nginxTempDir, readResult, resultFiles, runBench, watchFamily, writeNginxConfig } from '../bench-test-helpers.ts';
import { isAlive } from '../processes/process-tree.ts';

let dir: string;
beforeAll(async () => {
  dir = await nginxTempDir('bench-sweep-');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// The check needs the machine to itself (another test file's load moves p99 enough to fail a step
// early): as an *.alone.test.ts file it runs after the parallel suite, one file at a time.
describe('bench --sweep', () => {
  it('finds the 400 rps capacity of a 20-slot, 50 ms mock, directly and through nginx', async () => {
    const prefix = join(dir, 'nginx');
    const out = join(dir, 'results');
    await mkdir(prefix, { mode: 0o755 });
    const port = await freePort();
    await writeNginxConfig(prefix, port, '$MOCK_PORT');
    const mark = newMark();
    const family = watchFamily(mark, prefix);
    const run = await runBench(
      [
        '--sweep', '--target', `http://127.0.0.1:${port}`, '--target-cmd', nginxTargetCmd(prefix), '--name', 'nginx', '--output', out,
        '--mock-max-concurrency', '20', '--mock-latency', '50ms', '--start-rate', '50', '--step-duration', '3',
        '--slo-p99', '200ms', '--engine', 'embedded', '--quiet',
      ],
      mark,
    );
    const pids = family.stop();
    expect(run.code, run.stderr).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
    // An SLO well above this 2-core rig's p99 hiccups (up to ~140 ms at 350 rps, two processes on one
    // core), so the knee decides: above 400 rps the queue grows by (rate - 400) requests a second, and
    // within a 3 s step at 425 rps p99 passes 230 ms. Deriving the SLO is tested in sweep-logic.test.ts.

    const files = resultFiles(out);
    expect(files).toHaveLength(2);
    const baseline = await readResult(join(out, files.find((f) => f.startsWith('baseline_'))!));
    const nginx = await readResult(join(out, files.find((f) => f.startsWith('nginx_'))!));
    for (const r of [baseline, nginx]) {
      const capacity = r.capacity!;
      if (capacity.limited_by === 'rig') {
        // A machine busy with other work (another test file on the second core) stops the sweep
        // honestly as the rig's limit: then the known capacity cannot be checked in this run.
        console.warn(`runner/sweep/known-capacity.alone.test.ts: ${r.name}: the rig set the limit (${(r.warnings ?? []).filter((w) => w.startsWith('rig: ')).join('; ')}); capacity check SKIPPED`);
        expect((r.warnings ?? []).some((w) => w.startsWith('rig: '))).toBe(true);
        expect(run.stdout).toContain('limited by the RIG');
        continue;
      }
      expect(capacity.limited_by, run.stdout).toBe('target');
      expect(capacity.max_rps_within_slo, run.stdout).toBeGreaterThanOrEqual(380);
      expect(capacity.max_rps_within_slo, run.stdout).toBeLessThanOrEqual(420);
      expect(capacity.slo).toMatchObject({ p99_ms: 200, error_rate: 0.01, source: '--slo-p99' });
      // Doubling from 50: 50, 100, 200 pass; 400 is the capacity itself, where any hiccup leaves a
      // queue with no spare rate to drain it, so it may pass (then 800 fails on p99 and bisection
      // stays between 400 and 800) or fail (then bisection continues from 300).
      const offered = capacity.steps.map((s) => s.offered_rps);
      const at400 = capacity.steps[3];
      expect(offered.slice(0, 5), run.stdout).toEqual([50, 100, 200, 400, at400.ok ? 800 : 300]);
      const firstFail = at400.ok ? capacity.steps[4] : at400;
      expect(firstFail.ok).toBe(false);
      expect(firstFail.failed_on).toContain('p99');
      for (const step of capacity.steps) {
        expect(step.ok).toBe(step.failed_on.length === 0);
        if (step.offered_rps <= 200) expect(step).toMatchObject({ ok: true, dropped: 0, error_rate: 0 });
      }
      // The headline numbers are those of the best passing step.
      expect(r.load?.offered_rps).toBe(capacity.max_rps_within_slo);
      expect(r.overhead ?? null).toBeNull();
    }
    expect(nginx.baseline_file).toContain('baseline_');
    // The step table with its sparkline, and the side-by-side line.
    expect(run.stdout).toMatch(/Capacity sweep of baseline \(http:\/\/127\.0\.0\.1:\d+\), 3 s per step:/);
    expect(run.stdout).toMatch(/offered +achieved +p50 +p99 +errors +dropped +verdict/);
    // One sparkline bar per step, per side.
    const sparks = [...run.stdout.matchAll(/p99 by offered rate: ([▁▂▃▄▅▆▇█·]+)/g)].map((m) => [...m[1]].length);
    expect(sparks).toEqual([baseline.capacity!.steps.length, nginx.capacity!.steps.length]);
    if (nginx.capacity!.limited_by === 'target') expect(run.stdout).toMatch(/nginx: \d+ rps within the SLO \(limited by the target\)/);
    if (nginx.capacity!.max_rps_within_slo !== null && baseline.capacity!.max_rps_within_slo !== null) {
      expect(run.stdout).toMatch(/nginx sustains \d+\.\d% of the baseline's capacity within the same SLO\./);
    }
  }, 240_000);

});
