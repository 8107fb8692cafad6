// End to end: the path is proven before the load. Real nginx, a real header-routed gateway
// (runner/testdata/header-proxy.mjs), a stray mock; each refused in seconds with no result file.
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMock } from '../mock/server.ts';
import { freePort, HEADER_PROXY, newMark, NGINX, runBench, startBench, watchFamily, writeNginxConfig } from './bench-test-helpers.ts';
import { isAlive } from './processes/process-tree.ts';

const SECRET_KEY = 'sk-never-print-8c1d2e';
const LOAD = ['--concurrency', '4', '--mock-latency', '2ms', '--engine', 'embedded', '--quiet', '--no-baseline', '--warmup', '0'];

let dir: string;
let stray: RunningMock;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bench-ready-'));
  await chmod(dir, 0o755);
  stray = await startMockServer({ port: 0, host: '127.0.0.1', latencyMs: 1, itlMs: 0 });
});
afterAll(async () => {
  await stray.close();
  await rm(dir, { recursive: true, force: true });
});

// The started proxy's log (<name>_<stamp>.target.log) is kept, to read why it failed; no result is.
const noResults = async (out: string) => (existsSync(out) ? (await readdir(out)).filter((f) => !f.startsWith('.') && !f.endsWith('.target.log')) : []);

describe('readiness: real requests through the target before the load', () => {
  it('refuses nginx forwarding to a closed port in seconds: 502, its body, the likely cause, no result file', async () => {
    const prefix = join(dir, 'closed');
    await mkdir(prefix, { mode: 0o755 });
    const port = await freePort();
    await writeNginxConfig(prefix, port, await freePort()); // nothing listens upstream
    const out = join(dir, 'closed-results');
    const mark = newMark();
    const family = watchFamily(mark, prefix);
    // Seconds from the moment nginx answers to the end of the run (Node's start-up on a loaded
    // machine is not the readiness check's time).
    let answeredAt = 0;
    const t0 = Date.now();
    const run = await startBench(
      ['--target', `http://127.0.0.1:${port}`, '--target-cmd', `exec ${NGINX} -p ${prefix} -c ${prefix}/nginx.conf -e ${prefix}/error.log`, '--name', 'closed', '--output', out, '--requests', '100', '--api-key', SECRET_KEY, ...LOAD],
      mark,
      (stderr) => {
        if (!answeredAt && /answers \(measuring/.test(stderr)) answeredAt = Date.now() - t0;
      },
    ).done;
    expect(run.code).toBe(1);
    expect(answeredAt).toBeGreaterThan(0);
    expect(run.ms - answeredAt).toBeLessThan(10_000);
    expect(run.stderr).toMatch(/target refused before the load \(0 of 6 requests valid\): POST http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions answered 502 Bad Gateway/);
    expect(run.stderr).toMatch(/body: ".*502 Bad Gateway.*"/);
    expect(run.stderr).toMatch(/likely cause: the proxy most likely cannot reach the mock\. This run's mock listens on http:\/\/127\.0\.0\.1:\d+/);
    expect(run.stderr).toContain('--mock-port');
    expect(run.stderr).toContain('no result was written');
    expect(run.stderr + run.stdout).not.toContain(SECRET_KEY);
    expect(await noResults(out)).toEqual([]);
    expect(family.stop().filter(isAlive)).toEqual([]);
  });

  it('catches a header-routed gateway sent to another mock: valid answers, but not from this run\'s mock', async () => {
    const port = await freePort();
    const out = join(dir, 'stray-results');
    const mark = newMark();
    const run = await runBench(
      [
        '--target', `http://127.0.0.1:${port}`, '--target-cmd', `exec node ${HEADER_PROXY} --port ${port}`, '--header', `x-upstream: ${stray.url}`,
        '--name', 'misrouted', '--output', out, '--requests', '100', ...LOAD,
      ],
      mark,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/answered 2 valid completions, but this run's mock saw 0 of them/);
    expect(run.stderr).toMatch(/likely cause: the proxy answers from another upstream .* This run's mock listens on http:\/\/127\.0\.0\.1:(\d+)/);
    expect(run.stderr).toContain('A gateway that routes by a request header needs that URL in the header (--header), or a fixed mock port (--mock-port PORT)');
    expect(await noResults(out)).toEqual([]);
  });

  it('benchmarks the same gateway once its header points at the mock (--mock-port)', async () => {
    const port = await freePort();
    const mockPort = await freePort();
    const out = join(dir, 'routed-results');
    const run = await runBench(
      [
        '--target', `http://127.0.0.1:${port}`, '--target-cmd', `exec node ${HEADER_PROXY} --port ${port}`, '--mock-port', String(mockPort),
        '--header', `x-upstream: http://127.0.0.1:${mockPort}`, '--name', 'routed', '--output', out, '--requests', '200', ...LOAD,
      ],
      newMark(),
    );
    expect(run.stderr).toMatch(/path proven: 2 requests through http:\/\/127\.0\.0\.1:\d+ reached the mock\n/);
    expect(run.code).toBe(0);
    expect((await noResults(out)).filter((f) => f.endsWith('.json'))).toHaveLength(1);
  });
});
