// End to end, truthful results: a failing gateway (its status, body and log in the result), a
// gateway that rewrites stream usage, bounded count runs, CPU placement. Real processes throughout.
import { readFile, rm, mkdtemp } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, HEADER_PROXY, newMark, readResult, resultFiles, runBench } from './bench-test-helpers.ts';
import { describePinning, planPinning, tasksetPath } from './sampling/pinning.ts';

const SECRET_KEY = 'sk-never-print-3b9e71';
const LOAD = ['--concurrency', '4', '--mock-latency', '2ms', '--engine', 'embedded', '--quiet', '--warmup', '0'];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bench-truth-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});


describe('a gateway that fails half its requests', () => {
  it('is benchmarked; the result and the table say why requests failed, and its own log is kept', async () => {
    const port = await freePort();
    const out = join(dir, 'failing');
    const run = await runBench(
      [
        '--target', `http://127.0.0.1:${port}`, '--target-cmd', `exec node ${HEADER_PROXY} --port ${port} --upstream "$MOCK_URL" --fail-every 2`,
        '--name', 'failing', '--output', out, '--requests', '400', '--no-baseline', '--api-key', SECRET_KEY, ...LOAD,
      ],
      newMark(),
    );
    expect(run.code).toBe(99); // the error-rate threshold failed, as it should
    const files = resultFiles(out);
    expect(files).toHaveLength(1);
    const result = await readResult(join(out, files[0]));
    expect(result.total_requests).toBe(400);
    // The gateway fails its even requests: GET / (1), readiness (2 fails, 3, 4 fails, 5), then the load.
    expect(result.failed_requests).toBe(200);
    expect(result.errors?.http_5xx).toBe(200);
    expect(result.error_samples).toEqual([
      { kind: 'http_5xx', status: 502, count: 200, body: '{"error":{"message":"fixture gateway: upstream timed out","type":"bad_gateway","code":502}}' },
    ]);
    expect(run.stdout).toMatch(/Error samples of .*failing.*:\n  http_5xx 502 ×200: \{"error":\{"message":"fixture gateway: upstream timed out"/);
    expect(result.target_log).toMatch(new RegExp(`^${out}/failing_\\d{8}_\\d{6}\\.target\\.log$`));
    const log = await readFile(result.target_log!, 'utf8');
    expect(log).toContain(`header-proxy listening on 127.0.0.1:${port}`);
    expect(log.match(/failing on purpose/g)).toHaveLength(202);
    expect(run.stdout).toContain(`target log of failing: ${result.target_log}`);
    for (const text of [run.stdout, run.stderr, log, JSON.stringify(result)]) expect(text).not.toContain(SECRET_KEY);
  });
});

describe('--max-duration', () => {
  it('ends a count-based run with a partial result that says why, its rate up to the stop', async () => {
    const out = join(dir, 'bounded');
    const run = await runBench(
      ['--name', 'bounded', '--output', out, '--requests', '100000', '--concurrency', '2', '--mock-latency', '300ms', '--max-duration', '2', '--engine', 'embedded', '--quiet', '--warmup', '0'],
      newMark(),
    );
    expect(run.stderr).toContain('mock: --max-duration 2 s reached: stopping the load; what ran is written, marked partial');
    expect(run.code).toBe(0);
    const files = resultFiles(out);
    expect(files).toHaveLength(1);
    const result = await readResult(join(out, files[0]));
    expect(result.partial).toBe(true);
    expect(result.partial_reason).toBe(`--max-duration 2 s reached after ${result.total_requests} of 100000 requests`);
    expect(run.stdout).toContain(`PARTIAL (${result.partial_reason})`);
    // 2 VUs at 300 ms: about 13 requests in 2 s; the stop itself is left out of duration and rps.
    expect(result.total_requests).toBeGreaterThanOrEqual(8);
    expect(result.total_requests).toBeLessThan(20);
    expect(result.duration).toBeGreaterThan(1.5e9);
    expect(result.duration).toBeLessThan(3.5e9); // generous: timers run late on a loaded 2-core machine
    expect(result.rps).toBeCloseTo(result.success_requests! / (result.duration! / 1e9), 6);
    expect(Date.parse(result.end_time!) - Date.parse(result.start_time!)).toBeCloseTo(result.duration! / 1e6, -1);
  });
});

describe('a gateway that appends a usage chunk of zeros to every stream', () => {
  it('passes its streams, counts usage_mismatch apart, warms up until steady and records the placement', async () => {
    const port = await freePort();
    const out = join(dir, 'zero-usage');
    const run = await runBench(
      [
        '--target', `http://127.0.0.1:${port}`, '--target-cmd', `exec node ${HEADER_PROXY} --port ${port} --upstream "$MOCK_URL" --zero-usage`,
        '--scenario', 'streaming', '--name', 'zero-usage', '--output', out, '--requests', '300', '--no-baseline',
        '--concurrency', '4', '--mock-latency', '2ms', '--mock-itl', '1ms', '--mock-tokens', '10', '--engine', 'embedded', '--quiet',
      ],
      newMark(),
    );
    expect(run.stderr).toMatch(/path proven: 2 streamed requests through/);
    expect(run.code).toBe(0);
    const result = await readResult(join(out, resultFiles(out)[0]));
    expect(result.failed_requests).toBe(0);
    expect(result.errors?.bad_body).toBe(0);
    expect(result.streaming?.stream_ok_rate).toBe(1);
    expect(result.streaming?.usage_mismatch).toBe(300);
    expect(result.streaming?.output_tokens).toBe(3000); // the content chunks, not the zeros
    expect(result.streaming?.ttft_p50).toBeGreaterThan(0);
    // --warmup auto (the default): the same load first, until steady or 30 s.
    expect(result.load?.warmup_seconds).toBeGreaterThanOrEqual(2);
    expect(result.load?.warmup_seconds).toBeLessThanOrEqual(31);
    expect(typeof result.load?.warmup_stabilised).toBe('boolean');
    expect(run.stderr).toMatch(/target: (warmed up in [\d.]+ s|throughput still not steady after [\d.]+ s)/);
    // Pinned by default on 2+ cores: the target on its own core(s), the load generator off them.
    const cores = availableParallelism();
    if (cores >= 2 && tasksetPath()) {
      const plan = planPinning(cores)!;
      expect(result.rig?.placement).toEqual({ pinned: true, loadgen_cpus: plan.loadgen, target_cpus: plan.target, mock_cpus: plan.mock });
      expect(result.environment?.pinning).toBe(describePinning(plan));
    } else {
      expect(result.rig?.placement).toEqual({ pinned: false, loadgen_cpus: null, target_cpus: null, mock_cpus: null });
    }
  });
});
