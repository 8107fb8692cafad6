// The bench command with a k6 binary, with --calibrate, and interrupted by Ctrl-C.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../reporter/index.ts';
import { BIN, newMark, processesWithMark, resultFiles, runBench, startBench, watchFamily } from './bench-test-helpers.ts';
import { isAlive } from './processes/process-tree.ts';

const FAST = ['--mock-latency', '5ms', '--engine', 'embedded', '--warmup', '0'];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bench-modes-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the embedded engine with worker threads', () => {
  it('--engine-workers 2 runs the engine with two workers, the count exact, every thread gone after', async () => {
    const out = join(dir, 'workers');
    const mark = newMark();
    const family = watchFamily(mark);
    // Long enough (about 2 s of load) for the 150 ms process poll to see the engine's command line on a busy machine.
    const run = await runBench(['--requests', '4001', '--concurrency', '10', '--engine-workers', '2', '--output', out, ...FAST], mark);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('embedded engine: 2 worker threads\n');
    expect([...family.commandLines()].some(([, line]) => line.includes(' engine run ') && line.includes('--workers 2'))).toBe(true);
    expect(family.stop().filter(isAlive)).toEqual([]);
    const result = JSON.parse(await readFile(join(out, resultFiles(out)[0]), 'utf8')) as Result;
    // 4001 shared iterations split over two workers: exactly 4001 requests, none lost or doubled.
    expect(result.total_requests).toBe(4001);
    expect(result.success_requests).toBe(4001);
  });

  it('refuses --engine-workers 0, naming the flag', async () => {
    const run = await runBench(['--engine-workers', '0', '--output', join(dir, 'never')], newMark());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--engine-workers/);
  });
});

describe('with a k6 binary', () => {
  it('drives it with the same command line and reads progress from the mock', async () => {
    // A stand-in k6: answers `version`, hands `run ...` to the embedded engine (same flags and summary).
    const k6 = join(dir, 'k6');
    await writeFile(k6, `#!/bin/sh\nif [ "$1" = version ]; then echo "k6 v1.4.0 (commit/stand-in, go1.24, linux/amd64)"; exit 0; fi\nexec "${process.execPath}" "${BIN}" engine "$@"\n`);
    await chmod(k6, 0o755);
    const out = join(dir, 'k6-results');
    const mark = newMark();
    const family = watchFamily(mark);
    const run = await runBench(['--engine', 'k6', '--requests', '1500', '--concurrency', '10', '--output', out, '--mock-latency', '5ms', '--warmup', '0'], mark, { K6_BIN: k6 });
    expect(run.stderr).toBe(run.stderr.replace(/error/gi, ''));
    expect(run.code).toBe(0);
    expect(family.stop().filter(isAlive)).toEqual([]);
    const result = JSON.parse(await readFile(join(out, resultFiles(out)[0]), 'utf8')) as Result;
    expect(result.engine).toEqual({ name: 'k6', version: 'v1.4.0' });
    expect(result.environment?.k6).toBe('v1.4.0');
    expect(result.success_requests).toBe(1500);
    expect(result.requests).toBe(1500);
    // k6 prints no machine-readable progress: requests counted at the mock, errors unknown.
    expect(run.stderr).toMatch(/^mock: \d+\.\d s, \d+\/1500 requests, \d+ rps$/m);
  });
});

describe('--scenario streaming picks the per-token bundle where k6/x/sse exists', () => {
  it('embedded engine: dist/streaming-sse.js, timing_source sse-events', async () => {
    const out = join(dir, 'sse-embedded');
    const run = await runBench(['--scenario', 'streaming', '--requests', '40', '--concurrency', '4', '--output', out, ...FAST, '--quiet'], newMark());
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('running dist/streaming.js');
    const result = JSON.parse(await readFile(join(out, resultFiles(out)[0]), 'utf8')) as Result;
    expect(result.streaming?.timing_source).toBe('sse-events');
    expect(result.streaming?.tpot_p50).not.toBeNull();
    expect(result.success_requests).toBe(40);
  });

  it('a k6 older than 1.2 without the extension: dist/streaming.js, said in one line', async () => {
    const k6 = join(dir, 'k6-old');
    await writeFile(k6, `#!/bin/sh\nif [ "$1" = version ]; then echo "k6 v0.55.0 (commit/stand-in, go1.23, linux/amd64)"; exit 0; fi\nexec "${process.execPath}" "${BIN}" engine "$@"\n`);
    await chmod(k6, 0o755);
    const out = join(dir, 'sse-fallback');
    const run = await runBench(['--engine', 'k6', '--scenario', 'streaming', '--requests', '40', '--concurrency', '4', '--output', out, '--mock-latency', '5ms', '--warmup', '0', '--quiet'], newMark(), { K6_BIN: k6 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      'streaming: k6 v0.55.0 has no k6/x/sse and is older than 1.2.0 (no automatic extension resolution); running dist/streaming.js (TTFT = first byte, ITL = one mean per stream).',
    );
    const result = JSON.parse(await readFile(join(out, resultFiles(out)[0]), 'utf8')) as Result;
    expect(result.streaming?.timing_source).toBe('k6-buffered');
  });
});

describe('--calibrate', () => {
  it("measures the rig's ceilings, stores them, and later runs use them", async () => {
    const out = join(dir, 'calibrated');
    const mark = newMark();
    const calibrate = await runBench(['--calibrate', '--duration', '1', '--output', out, '--engine', 'embedded'], mark);
    expect(calibrate.code).toBe(0);
    expect(calibrate.stdout).toContain(`saved to ${join(out, '.calibration.json')}`);
    const saved = JSON.parse(await readFile(join(out, '.calibration.json'), 'utf8'));
    for (const key of ['embedded:basic', 'embedded:streaming']) {
      expect(saved.entries[key]).toMatchObject({ engine: 'embedded', duration_s: 1, concurrency: 64 });
      expect(saved.entries[key].rps).toBeGreaterThan(0);
      expect(saved.entries[key].mock_cpu_peak_percent).toBeGreaterThan(0);
    }
    expect(resultFiles(out)).toEqual([]); // calibration writes no result file
    const run = await runBench(['--requests', '100', '--concurrency', '5', '--output', out, ...FAST, '--quiet'], mark);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^rig ceiling from .*\.calibration\.json: \d+ rps \(embedded basic/m);
    expect(processesWithMark(mark)).toEqual([]);
  });
});

describe('--repeat', () => {
  it('writes the median run with the spread of rps across runs', async () => {
    const out = join(dir, 'repeat');
    const run = await runBench(['--repeat', '3', '--requests', '200', '--concurrency', '5', '--output', out, ...FAST, '--quiet'], newMark());
    expect(run.code).toBe(0);
    const files = resultFiles(out);
    expect(files).toHaveLength(1);
    const result = JSON.parse(await readFile(join(out, files[0]), 'utf8')) as Result;
    const match = /^benchmark: rps over 3 runs: (\d+), (\d+), (\d+) \(median (\d+)\)$/m.exec(run.stderr)!;
    expect(match).not.toBeNull();
    const rates = match.slice(1, 4).map(Number).sort((a, b) => a - b);
    expect(Number(match[4])).toBe(rates[1]);
    expect(Math.round(result.rps!)).toBe(rates[1]);
    expect(result.repeat!.runs).toBe(3);
    expect(result.repeat!.rps_cov).toBeGreaterThanOrEqual(0);
    expect(result.total_requests).toBe(200);
  });
});

describe('Ctrl-C', () => {
  it('stops the load and the children, writes what was measured as partial, exits 130', async () => {
    const out = join(dir, 'interrupted');
    const mark = newMark();
    const family = watchFamily(mark);
    let sent = false;
    const bench = startBench(['--requests', '1000000', '--concurrency', '20', '--output', out, ...FAST], mark, (stderr) => {
      // Interrupt once the load is under way.
      if (!sent && /^mock: .* [1-9]\d* rps/m.test(stderr)) {
        sent = true;
        bench.child.kill('SIGINT');
      }
    });
    const run = await bench.done;
    expect(sent).toBe(true);
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('stopping: ending the load');
    expect(family.stop().filter(isAlive)).toEqual([]);
    const files = resultFiles(out);
    expect(files).toHaveLength(1);
    const result = JSON.parse(await readFile(join(out, files[0]), 'utf8')) as Result;
    expect(result.partial).toBe(true);
    expect(result.total_requests).toBeGreaterThan(0);
    expect(result.total_requests).toBeLessThan(1_000_000);
    expect(run.stdout).toContain('interrupted: results marked "partial": true');
  });
});
