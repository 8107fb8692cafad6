// The bench command as a user meets it: the first run without a target, and failing fast.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../reporter/index.ts';
import { freePort, newMark, resultFiles, runBench, watchFamily } from './bench-test-helpers.ts';
import { isAlive } from './processes/process-tree.ts';

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
    // k6's config variables in the user's shell would replace the plan (3 iterations) or throttle it
    // (5/s): the runner keeps them from the engine.
    const run = await runBench(['--requests', '400', '--concurrency', '10', '--output', out, ...FAST], mark, { K6_ITERATIONS: '3', K6_VUS: '1', K6_RPS: '5' });
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

    // --compare hands the files to the reporter's compare.
    const compared = await runBench(['--compare', join(out, files[0]), join(out, files[0])], newMark());
    expect(compared.code).toBe(0);
    expect(compared.stdout).toMatch(/^latency p50 /m);
  });
});

describe('open model', () => {
  it('records the offered and achieved rate and dropped iterations for --rate', async () => {
    const out = join(dir, 'open');
    const run = await runBench(['--rate', '100', '--duration', '2', '--concurrency', '20', '--output', out, ...FAST, '--quiet'], newMark());
    expect(run.code).toBe(0);
    const result = JSON.parse(await readFile(join(out, resultFiles(out)[0]), 'utf8')) as Result;
    expect(result.requests).toBe(0); // bounded by time
    expect(result.load).toMatchObject({ model: 'open', offered_rps: 100, dropped_iterations: expect.any(Number) });
    // 100/s for 2 s: every planned iteration either ran or was dropped.
    const planned = result.total_requests + result.load!.dropped_iterations!;
    expect(planned).toBeGreaterThanOrEqual(190);
    expect(planned).toBeLessThanOrEqual(201);
    expect(result.load!.achieved_rps).toBeGreaterThan(0);
  });
});

describe('a --target-cmd proxy that dies during the run', () => {
  it('stops the load, writes what ran marked partial, and fails with the exit reason and last line', async () => {
    const out = join(dir, 'crash');
    const script = join(dir, 'crashing-proxy.cjs');
    // Forwards every request to the mock (so the readiness requests pass), then crashes a second
    // and a half after the load's first request.
    await writeFile(
      script,
      "const http = require('http'); const up = new URL(process.env.MOCK_URL); let posts = 0;\n" +
        "http.createServer((q, s) => {\n" +
        "  if (q.method === 'POST' && ++posts === 3) setTimeout(() => { console.error('proxy crashed: out of memory'); process.exit(7); }, 1500);\n" +
        "  const r = http.request({ host: up.hostname, port: up.port, path: q.url, method: q.method, headers: q.headers }, (a) => { s.writeHead(a.statusCode, a.headers); a.pipe(s); });\n" +
        "  q.pipe(r);\n" +
        "}).listen(Number(process.argv[2]), '127.0.0.1');\n",
    );
    const port = await freePort();
    const mark = newMark();
    const family = watchFamily(mark);
    const run = await runBench(
      ['--target', `http://127.0.0.1:${port}`, '--target-cmd', `${process.execPath} ${script} ${port}`, '--no-baseline', '--duration', '30s', '--concurrency', '4', '--output', out, ...FAST, '--quiet'],
      mark,
    );
    expect(run.stderr).toMatch(/^llmux-bench bench: --target-cmd exited during the benchmark \(exit code 7: proxy crashed: out of memory\); the load was stopped and what ran was written, marked partial$/m);
    expect(run.code).toBe(1);
    expect(run.ms).toBeLessThan(25_000); // the 30 s load was cut short (generous: a loaded 2-core machine)
    expect(family.stop().filter(isAlive)).toEqual([]);
    const files = resultFiles(out);
    expect(files).toHaveLength(1);
    const result = JSON.parse(await readFile(join(out, files[0]), 'utf8')) as Result;
    expect(result.partial).toBe(true);
  });
});

describe('failing fast with one clear line', () => {
  let occupied: Server;
  let occupiedPort: number;
  // A foreign HTTP server on the port a --target-cmd proxy should take: it answers in its place.
  let foreign: HttpServer;
  let foreignPort: number;
  beforeAll(async () => {
    occupied = createServer();
    await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
    occupiedPort = (occupied.address() as { port: number }).port;
    foreign = createHttpServer((_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    foreignPort = (foreign.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => occupied.close(resolve));
    foreign.closeAllConnections();
    await new Promise((resolve) => foreign.close(resolve));
  });

  const cases: Array<[string, () => Promise<string[]>, number, RegExp]> = [
    ['an unreachable target', async () => ['--target', `http://127.0.0.1:${await freePort()}`, '--mock-port', '0'], 1, /^llmux-bench bench: target http:\/\/127\.0\.0\.1:\d+ is unreachable \(connection refused\)/m],
    ['a mock port in use', async () => ['--target', `http://127.0.0.1:${await freePort()}`, '--target-cmd', 'sleep 30', '--mock-port', String(occupiedPort)], 1, /^llmux-bench bench: the mock exited during start-up \(exit code 1\): .*address already in use/m],
    ['a --target-cmd that exits', async () => ['--target', `http://127.0.0.1:${await freePort()}`, '--target-cmd', 'echo broken config >&2; exit 3'], 1, /^llmux-bench bench: --target-cmd exited before .* answered \(exit code 3\): broken config$/m],
    ['a --target-cmd that goes to the background', async () => ['--target', `http://127.0.0.1:${await freePort()}`, '--target-cmd', 'true'], 1, /^llmux-bench bench: --target-cmd exited \(exit code 0\) instead of running the proxy in the foreground/m],
    ['a --target-cmd that never answers', async () => ['--target', `http://127.0.0.1:${await freePort()}`, '--target-cmd', 'sleep 60', '--ready-timeout', '1s'], 1, /^llmux-bench bench: target .* did not answer within 1 s of starting --target-cmd/m],
    ['a --target-cmd whose port is already taken', async () => ['--target', `http://127.0.0.1:${foreignPort}`, '--target-cmd', 'sleep 30'], 1, /^llmux-bench bench: --target-cmd: port \d+ is already in use \(pid \d+\), so http:\/\/127\.0\.0\.1:\d+ would answer without the started proxy: stop that server or use a free port$/m],
    ['a bad flag', async () => ['--concurrency', 'many'], 2, /^llmux-bench bench: --concurrency: expected a number \(got "many"\)$/m],
    ['an unknown flag', async () => ['--targt', 'x'], 2, /^llmux-bench bench: unknown flag '--targt'$/m],
  ];
  it.each(cases)('%s', async (_label, args, code, message) => {
    const mark = newMark();
    const family = watchFamily(mark);
    const never = join(dir, 'never');
    const run = await runBench([...(await args()), '--output', never, ...FAST], mark);
    expect(run.stderr).toMatch(message);
    expect(run.code).toBe(code);
    expect(run.ms).toBeLessThan(20_000); // seconds, not the 30 s ready timeout (generous: a loaded 2-core machine)
    expect(family.stop().filter(isAlive)).toEqual([]);
    // Nothing written where the results would have gone (the directory may exist: it is made early).
    expect(existsSync(never) ? resultFiles(never) : []).toEqual([]);
  });
});
