import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScript } from './index.ts';
import { ROOT, runEngine, tempDir } from './test-helpers.ts';

const SCRIPT = join(ROOT, 'engine', 'testdata', 'workers.js');
const SYNC_SCRIPT = join(ROOT, 'engine', 'testdata', 'workers-sync.js');

// A local server that counts the requests it received.
let server: Server;
let received = 0;
let target = '';
beforeAll(async () => {
  server = createServer((_req, res) => {
    received++;
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  target = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
const tmp = tempDir();
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  tmp.cleanup();
});
let n = 0;
const file = (ext = 'json') => join(tmp.dir, `w-${++n}.${ext}`);

function args(script: string, options: unknown, env: Record<string, string>, extra: string[]): string[] {
  const e = { TARGET: target, OPTIONS: JSON.stringify(options), ...env };
  return ['run', '-q', ...Object.entries(e).flatMap(([k, v]) => ['-e', `${k}=${v}`]), ...extra, script];
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const points = (ndjson: string, metric: string) =>
  readFileSync(ndjson, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((l) => l.type === 'Point' && l.metric === metric);

describe('engine run --workers N', () => {
  it('3001 shared iterations over 2 workers: exactly 3001 in the summary, the export and the NDJSON; one handleSummary', async () => {
    const out = file();
    const ndjson = file('ndjson');
    const legacy = file();
    const r = await runEngine(
      args(SCRIPT, { scenarios: { s: { executor: 'shared-iterations', vus: 4, iterations: 3001 } } }, { OUT: out }, ['--workers', '2', '--out', `json=${ndjson}`, '--summary-export', legacy]),
      { timeoutMs: 60_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.match(/handleSummary called/g)).toHaveLength(1);
    const data = readJson(out);
    expect(data.metrics.iterations.values.count).toBe(3001);
    // Every global iteration index once: 0 + 1 + ... + 3000.
    expect(data.metrics.in_test_sum.values.count).toBe((3000 * 3001) / 2);
    // VU ids 1..4, each once: the workers' ids do not collide.
    expect(data.metrics.vu_ids.values.count).toBe(10);
    expect(data.metrics.vus_max.values.max).toBe(4);
    expect(readJson(legacy).metrics.iterations.count).toBe(3001);
    expect(points(ndjson, 'iterations')).toHaveLength(3001);
    // setup() ran once, in the main thread, and its data reached every worker's VUs.
    expect(data.root_group.checks).toEqual([expect.objectContaining({ name: 'setup ran', passes: 1, fails: 0 })]);
  }, 90_000);

  it('http_reqs equals the requests the server received; checks and groups of all workers are merged', async () => {
    const out = file();
    const before = received;
    const r = await runEngine(
      args(SCRIPT, { scenarios: { a: { executor: 'constant-arrival-rate', rate: 40, timeUnit: '1s', duration: '1s', preAllocatedVUs: 12 } } }, { OUT: out, MODE: 'http' }, [
        '--workers',
        '3',
        '--progress',
        'ndjson',
      ]),
      { timeoutMs: 60_000 },
    );
    expect(r.code).toBe(0);
    const data = readJson(out);
    const requests = data.metrics.http_reqs.values.count;
    expect(requests).toBe(received - before);
    // Each of the 40 arrivals ran once or was dropped (a busy machine may leave no VU free).
    const dropped = data.metrics.dropped_iterations?.values.count ?? 0;
    expect(data.metrics.iterations.values.count + dropped).toBe(40);
    expect(requests).toBe(data.metrics.iterations.values.count);
    if (dropped === 0) expect(data.metrics.in_test_sum.values.count).toBe((39 * 40) / 2);
    const g = data.root_group.groups.find((x: { name: string }) => x.name === 'g');
    expect(g.checks).toEqual([expect.objectContaining({ name: 'status 200', passes: requests, fails: 0 })]);
    // The progress lines read the merged stream.
    const last = r.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{"progress"'))
      .map((l) => JSON.parse(l).progress)
      .pop();
    expect(last).toMatchObject({ requests, iterations: requests, failed: 0, dropped });
  }, 90_000);

  it('thresholds are evaluated on the merged data (exit 99 when crossed, 0 when not)', async () => {
    const options = (threshold: string) => ({ scenarios: { s: { executor: 'shared-iterations', vus: 2, iterations: 301 } }, thresholds: { iterations: [threshold] } });
    const crossed = await runEngine(args(SCRIPT, options('count<301'), { OUT: file() }, ['--workers', '2']), { timeoutMs: 60_000 });
    expect(crossed.code).toBe(99);
    const kept = await runEngine(args(SCRIPT, options('count==301'), { OUT: file() }, ['--workers', '2']), { timeoutMs: 60_000 });
    expect(kept.code).toBe(0);
  }, 90_000);

  it('abortOnFail and exec.test.abort() in a worker stop every worker', async () => {
    const long = { executor: 'constant-vus', vus: 2, duration: '30s' };
    const thresholdStop = await runEngine(
      args(SCRIPT, { scenarios: { s: long }, thresholds: { in_test_sum: [{ threshold: 'count<100', abortOnFail: true }] } }, { OUT: file() }, ['--workers', '2']),
      { timeoutMs: 60_000 },
    );
    expect(thresholdStop.code).toBe(99);
    expect(thresholdStop.stderr).toContain('abortOnFail');
    expect(thresholdStop.stdout.match(/handleSummary called/g)).toHaveLength(1);

    const out = file();
    const aborted = await runEngine(args(SCRIPT, { scenarios: { s: long } }, { OUT: out, MODE: 'abort' }, ['--workers', '2']), { timeoutMs: 60_000 });
    expect(aborted.code).toBe(108);
    expect(readJson(out).state.testRunDurationMs).toBeLessThan(10_000);
  }, 90_000);

  it('Ctrl-C stops the workers; the summary of what ran is printed (exit 105)', async () => {
    const out = file();
    const r = await runEngine(args(SCRIPT, { scenarios: { s: { executor: 'constant-vus', vus: 2, duration: '30s' } } }, { OUT: out, MODE: 'http' }, ['--workers', '2']), {
      timeoutMs: 60_000,
      onStart: (child) => {
        // Interrupt once the workers are sending requests.
        const since = received;
        const poll = setInterval(() => {
          if (received > since + 10) {
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 50);
        child.on('close', () => clearInterval(poll));
      },
    });
    expect(r.code).toBe(105);
    const data = readJson(out);
    expect(data.metrics.http_reqs.values.count).toBeGreaterThan(0);
    expect(data.state.testRunDurationMs).toBeLessThan(15_000);
  }, 90_000);

  it('synchronous scripts run their worker-thread VUs inside each segment worker', async () => {
    const out = file();
    const before = received;
    const r = await runEngine(
      args(SYNC_SCRIPT, { scenarios: { s: { executor: 'shared-iterations', vus: 2, iterations: 20 } } }, { OUT: out }, ['--workers', '2']),
      { timeoutMs: 90_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.match(/handleSummary called/g)).toHaveLength(1);
    const data = readJson(out);
    expect(data.metrics.iterations.values.count).toBe(20);
    expect(data.metrics.http_reqs.values.count).toBe(20);
    expect(received - before).toBe(20);
    expect(data.metrics.in_test_sum.values.count).toBe((19 * 20) / 2);
  }, 120_000);

  it('runScript takes workers too (in-process)', async () => {
    const r = await runScript(SCRIPT, { workers: 2, iterations: 11, vus: 3, quiet: true, env: { OUT: file(), OPTIONS: '{}' }, stdout: () => {}, stderr: () => {} });
    expect(r.exitCode).toBe(0);
    expect(r.summary?.metrics.iterations.values.count).toBe(11);
  }, 60_000);

  it('refuses a bad --workers value with exit 2 naming the flag', async () => {
    const r = await runEngine(['run', '--workers', '0', SCRIPT]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--workers:');
  });

  it('a worker stuck in a synchronous loop is terminated past the deadline; the summary still comes', async () => {
    const r = await runEngine(['run', '-q', '--workers', '2', join(ROOT, 'engine', 'testdata', 'sync', 'async-busy-loop.js')], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('worker 1 did not end in time: terminated');
    expect(r.stdout).toContain('test run duration');
  }, 90_000);

  it('--workers splits the instance segment: two halves with 2 workers each add up to the whole', async () => {
    const counts = await Promise.all(
      ['0:1/2', '1/2:1'].map(async (segment) => {
        const out = file();
        const r = await runEngine(
          args(SCRIPT, { scenarios: { s: { executor: 'shared-iterations', vus: 3, iterations: 1001 } } }, { OUT: out }, ['--workers', '2', '--execution-segment', segment, '--execution-segment-sequence', '0,1/2,1']),
          { timeoutMs: 60_000 },
        );
        expect(r.code).toBe(0);
        return readJson(out).metrics;
      }),
    );
    expect(counts[0].iterations.values.count + counts[1].iterations.values.count).toBe(1001);
    expect(counts[0].in_test_sum.values.count + counts[1].in_test_sum.values.count).toBe((1000 * 1001) / 2);
  }, 90_000);
});
