// The bench command's behaviour as a user meets it: the first run, Ctrl-C, and failing fast.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../reporter/index.ts';
import { BIN, freePort, newMark, processesWithMark, resultFiles, runBench, startBench, watchFamily } from './bench-test-helpers.ts';
import { isAlive } from './process-tree.ts';

const FAST = ['--mock-latency', '5ms', '--engine', 'embedded', '--warmup', '0'];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bench-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bench without a target', () => {
  it('benchmarks the mock itself: one result, no baseline, and says how to point it at a proxy', async () => {
    const out = join(dir, 'mock-only');
    const mark = newMark();
    const family = watchFamily(mark);
    const run = await runBench(['--requests', '400', '--concurrency', '10', '--output', out, ...FAST], mark);
    expect(run.code).toBe(0);
    expect(family.stop().filter(isAlive)).toEqual([]);
    const files = resultFiles(out);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^benchmark_\d{8}_\d{6}\.json$/);
    const result = JSON.parse(await readFile(join(out, files[0]), 'utf8')) as Result;
    expect(result).toMatchObject({ name: 'benchmark', requests: 400, concurrency: 10, total_requests: 400, success_requests: 400, baseline_file: null, overhead: null, partial: false });
    expect(result.memory?.source).toBe('mock');
    expect(result.memory!.peak_rss_bytes).toBeGreaterThan(10_000_000);
    // Not a terminal: plain progress lines on stderr, the table and the hint on stdout.
    expect(run.stderr).toMatch(/^mock: \d+\.\d s, \d+\/400 requests, \d+ rps, 0 errors$/m);
    expect(run.stdout).toMatch(/^requests\/s +[\d.]+\/s/m);
    expect(run.stdout).toMatch(/^failed requests +0 /m);
    expect(run.stdout).toContain('npm run bench -- --target http://localhost:4000');
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
    // k6 prints no machine-readable progress: requests counted at the mock, errors unknown.
    expect(run.stderr).toMatch(/^mock: \d+\.\d s, \d+\/1500 requests, \d+ rps$/m);
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

describe('failing fast with one clear line', () => {
  let occupied: Server;
  let occupiedPort: number;
  beforeAll(async () => {
    occupied = createServer();
    await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
    occupiedPort = (occupied.address() as { port: number }).port;
  });
  afterAll(() => new Promise((resolve) => occupied.close(resolve)));

  const cases: Array<[string, () => Promise<string[]>, number, RegExp]> = [
    ['an unreachable target', async () => ['--target', `http://127.0.0.1:${await freePort()}`, '--mock-port', '0'], 1, /^llmux-bench bench: target http:\/\/127\.0\.0\.1:\d+ is unreachable \(connection refused\)/m],
    ['a mock port in use', async () => ['--target', `http://127.0.0.1:${await freePort()}`, '--target-cmd', 'sleep 30', '--mock-port', String(occupiedPort)], 1, /^llmux-bench bench: the mock exited during start-up \(exit code 1\): .*address already in use/m],
    ['a --target-cmd that exits', async () => ['--target', `http://127.0.0.1:${await freePort()}`, '--target-cmd', 'echo broken config >&2; exit 3'], 1, /^llmux-bench bench: --target-cmd exited before .* answered \(exit code 3\): broken config$/m],
    ['a --target-cmd that never answers', async () => ['--target', `http://127.0.0.1:${await freePort()}`, '--target-cmd', 'sleep 60', '--ready-timeout', '1s'], 1, /^llmux-bench bench: target .* did not answer within 1 s of starting --target-cmd/m],
    ['a bad flag', async () => ['--concurrency', 'many'], 2, /^llmux-bench bench: --concurrency: expected a number \(got "many"\)$/m],
    ['an unknown flag', async () => ['--targt', 'x'], 2, /^llmux-bench bench: unknown flag '--targt'$/m],
  ];
  it.each(cases)('%s', async (_label, args, code, message) => {
    const mark = newMark();
    const family = watchFamily(mark);
    const run = await runBench([...(await args()), '--output', join(dir, 'never'), ...FAST], mark);
    expect(run.stderr).toMatch(message);
    expect(run.code).toBe(code);
    expect(run.ms).toBeLessThan(20_000); // seconds, not the 30 s ready timeout (generous: a loaded 2-core machine)
    expect(family.stop().filter(isAlive)).toEqual([]);
    expect(resultFiles(dir)).toEqual([]);
  });
});
