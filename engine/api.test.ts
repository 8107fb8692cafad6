import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { mockFixture, ONCE, PROBE, probeArgs, readProbe, ROOT, runEngine } from './test-helpers.ts';

const fx = mockFixture();
const tmp = { dir: fx.dir };
const out = fx.out;
const once = ONCE;

describe('engine run: k6 API behaviour', () => {
  it('fails group() and check() given an async function with k6 messages', async () => {
    const g = await runEngine(probeArgs(fx.mock.url, out(), once, { MODE: 'async-group' }));
    expect(g.code).toBe(0);
    expect(g.stderr).toContain('group() does not support async functions as arguments, please see https://grafana.com/docs/k6/latest/javascript-api/k6/group/#working-with-async-functions');
    const c = await runEngine(probeArgs(fx.mock.url, out(), once, { MODE: 'async-check' }));
    expect(c.stderr).toContain('the built-in check() does not support async functions as arguments.');
  });

  it('sends script console output and stray rejections to stderr in k6 log format, stdout stays clean', async () => {
    const r = await runEngine(probeArgs(fx.mock.url, out(), once, { MODE: 'log' }));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('summary handled\n');
    expect(r.stderr).toMatch(/INFO\[\d{4}\] hello from vu 1  source=console/);
    expect(r.stderr).toContain('Uncaught (in promise) Error: stray rejection');
  });

  it('provides open(), k6/encoding, k6/crypto, k6/timers and VU tags', async () => {
    const legacy = out();
    const r = await runEngine(['run', '-q', '--summary-export', legacy, join(ROOT, 'engine/testdata/modules.js')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const data = JSON.parse(readFileSync(legacy, 'utf8'));
    const checks = Object.values(data.root_group.checks) as Array<{ name: string; passes: number; fails: number }>;
    expect(checks.filter((c) => c.fails > 0).map((c) => c.name)).toEqual([]);
    expect(checks).toHaveLength(7);
    expect(data.metrics['tagged{team:llmux}'].count).toBe(1);
  });

  it('records checks and groups in the k6 shape; handleSummary writes every file it returns', async () => {
    const file = out();
    const second = join(tmp.dir, 'nested', 'dir', 'second.txt');
    const r = await runEngine(probeArgs(fx.mock.url, file, { scenarios: { s: { executor: 'shared-iterations', vus: 2, iterations: 4 } } }, { OUT2: second }));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('summary handled\n');
    expect(readFileSync(second, 'utf8')).toBe('second file');
    const { data } = readProbe(file);
    expect(Object.keys(data).sort()).toEqual(['metrics', 'options', 'root_group', 'setup_data', 'state']);
    expect(data.root_group.id).toBe('d41d8cd98f00b204e9800998ecf8427e');
    const outer = data.root_group.groups[0];
    expect(outer).toMatchObject({ name: 'outer', path: '::outer' });
    expect(outer.checks.map((c: { name: string; passes: number; fails: number }) => [c.name, c.passes, c.fails])).toEqual([
      ['status is 200', 4, 0],
      ['has choices', 4, 0],
    ]);
    expect(data.root_group.checks.map((c: { name: string; passes: number }) => [c.name, c.passes])).toEqual([
      ['request as sent', 4],
      ['canonical response headers', 4],
    ]);
    expect(data.metrics.checks.values).toMatchObject({ rate: 1, passes: 16, fails: 0 });
    expect(data.metrics.group_duration.values.max).toBeGreaterThanOrEqual(0);
    expect(data.metrics.probe_extra.values.count).toBe(4);
    expect(data.metrics.probe_latency.contains).toBe('time');
    expect(Object.keys(data.metrics.http_req_duration.values)).toEqual(['avg', 'min', 'med', 'max', 'p(90)', 'p(95)']);
    expect(data.metrics['http_req_duration{expected_response:true}'].values.max).toBe(data.metrics.http_req_duration.values.max);
    expect(data.metrics.http_req_failed.values).toMatchObject({ rate: 0, passes: 0, fails: 4 });
    expect(data.metrics.data_sent.values.count).toBeGreaterThan(4 * 100);
    expect(data.metrics.data_received.values.count).toBeGreaterThan(4 * 100);
  });

  it('reports connection refused and timeouts with k6 error codes (status 0)', async () => {
    const refused = out();
    expect((await runEngine(probeArgs(fx.mock.url, refused, once, { MODE: 'refused' }))).code).toBe(0);
    const r = readProbe(refused).data;
    expect(r.metrics.checks.values).toMatchObject({ passes: 2, fails: 0 });
    expect(r.metrics.http_req_failed.values).toMatchObject({ passes: 1 });
    const timeout = out();
    expect((await runEngine(probeArgs(fx.mock.url, timeout, once, { MODE: 'timeout', LAT: '2s' }))).code).toBe(0);
    expect(readProbe(timeout).data.metrics.checks.values).toMatchObject({ passes: 2, fails: 0 });
  });

  it('honours responseType binary and none, json() selectors, status_text and the JSON form of a Response', async () => {
    const file = out();
    expect((await runEngine(probeArgs(fx.mock.url, file, once, { MODE: 'types' }))).code).toBe(0);
    expect(readProbe(file).data.metrics.checks.values).toMatchObject({ passes: 4, fails: 0 });
  });

  it('measures waiting as the time to the first byte, never below the server delay', async () => {
    // A server that sends its first byte no earlier than 20 ms after it has read the request
    // (the mock rounds its deadlines to 1 ms buckets, so it may answer up to 1 ms early).
    const server: Server = createServer((req, res) => {
      const due = performance.now() + 20;
      req.resume();
      req.on('end', () => {
        const answer = () => {
          if (performance.now() < due) return void setTimeout(answer, Math.max(0, due - performance.now()));
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices":[]}');
        };
        answer();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const file = out();
    let r: Awaited<ReturnType<typeof runEngine>>;
    try {
      r = await runEngine(probeArgs(url, file, { scenarios: { s: { executor: 'shared-iterations', vus: 4, iterations: 40 } } }));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(r.code).toBe(0);
    const { data, timingErrors } = readProbe(file);
    // Every request: sending > 0, sending <= waiting, duration = waiting + receiving.
    expect(timingErrors).toEqual([]);
    expect(data.metrics.http_reqs.values.count).toBe(40);
    const waiting = data.metrics.http_req_waiting.values;
    // The write starts before the server reads the request: TTFT can only be longer than 20 ms.
    expect(waiting.min).toBeGreaterThanOrEqual(20 - 0.5);
    expect(waiting.med).toBeLessThan(400);
    expect(data.metrics.http_req_sending.values.max).toBeLessThanOrEqual(waiting.max);
    expect(data.metrics.http_req_receiving.values.med).toBeLessThan(50);
    expect(data.metrics.http_req_duration.values.min).toBeGreaterThanOrEqual(waiting.min);
  });
});

describe('engine run: outputs', () => {
  it("gives handleSummary data of the real k6 fixture's shape", async () => {
    const fixture = JSON.parse(readFileSync(join(ROOT, 'engine/metrics/testdata/handle-summary-p9999.json'), 'utf8'));
    const file = out();
    const options = {
      scenarios: { s: { executor: 'shared-iterations', vus: 2, iterations: 4 } },
      summaryTrendStats: fixture.options.summaryTrendStats,
      thresholds: { http_req_duration: ['avg<150000', 'p(95)<500000'] },
    };
    expect((await runEngine(probeArgs(fx.mock.url, file, options))).code).toBe(0);
    const { data } = readProbe(file);
    const sortedKeys = (o: object) => Object.keys(o).sort();
    expect(sortedKeys(data).filter((k) => k !== 'setup_data')).toEqual(sortedKeys(fixture));
    expect(sortedKeys(data.options)).toEqual(sortedKeys(fixture.options));
    expect(sortedKeys(data.state)).toEqual(sortedKeys(fixture.state));
    expect(sortedKeys(data.root_group)).toEqual(sortedKeys(fixture.root_group));
    const common = Object.keys(fixture.metrics).filter((name) => name in data.metrics);
    expect(common).toEqual(expect.arrayContaining(['http_req_duration', 'http_reqs', 'checks', 'vus', 'iterations', 'data_sent', 'http_req_duration{expected_response:true}']));
    for (const name of common) {
      const [ours, theirs] = [data.metrics[name], fixture.metrics[name]];
      expect({ name, type: ours.type, contains: ours.contains, values: sortedKeys(ours.values) }).toEqual({
        name,
        type: theirs.type,
        contains: theirs.contains,
        values: sortedKeys(theirs.values),
      });
    }
    expect(data.metrics.http_req_duration.thresholds).toEqual({ 'avg<150000': { ok: true }, 'p(95)<500000': { ok: true } });
  });

  it('--summary-export writes the legacy shape; no handleSummary prints the text summary', async () => {
    const script = join(tmp.dir, 'plain.js');
    writeFileSync(
      script,
      `import http from 'k6/http';\nimport { check } from 'k6';\nexport const options = { thresholds: { http_req_duration: ['p(95)<60000'] } };\n` +
        `export default async function () { const r = await http.asyncRequest('GET', __ENV.TARGET + '/health'); check(r, { ok: (x) => x.status === 200 }); }\n`,
    );
    const legacy = out();
    const r = await runEngine(['run', '-e', `TARGET=${fx.mock.url}`, '-i', '3', '--summary-export', legacy, script]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('http_req_duration');
    expect(r.stderr).toContain('3 iterations shared among 1 VUs');
    const data = JSON.parse(readFileSync(legacy, 'utf8'));
    expect(Object.keys(data).sort()).toEqual(['metrics', 'root_group']);
    expect(data.root_group.checks.ok).toMatchObject({ name: 'ok', path: '::ok', passes: 3, fails: 0 });
    expect(data.metrics.http_reqs.count).toBe(3);
    expect(data.metrics.http_req_failed.value).toBe(0);
    expect(data.metrics.http_req_duration.thresholds).toEqual({ 'p(95)<60000': false });
  });

  it('--out json streams k6 NDJSON Metric and Point lines (gzip for .gz), refusing to overwrite', async () => {
    const file = out('json.gz');
    const r = await runEngine(probeArgs(fx.mock.url, out(), { scenarios: { s: { executor: 'shared-iterations', vus: 1, iterations: 2 } } }, {}, ['--out', `json=${file}`]));
    expect(r.code).toBe(0);
    const lines = gunzipSync(readFileSync(file)).toString().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.find((l) => l.type === 'Metric' && l.metric === 'http_reqs')).toBeTruthy();
    const points = lines.filter((l) => l.type === 'Point' && l.metric === 'http_reqs');
    expect(points).toHaveLength(2);
    expect(points[0].data.tags).toMatchObject({ method: 'POST', status: '200', scenario: 's', expected_response: 'true', group: '' });
    const again = await runEngine(probeArgs(fx.mock.url, out(), once, {}, ['--out', `json=${file}`]));
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('refusing to overwrite');
  });

  it('--progress ndjson writes progress lines to stderr', async () => {
    const r = await runEngine(probeArgs(fx.mock.url, out(), { scenarios: { cv: { executor: 'constant-vus', vus: 2, duration: '1200ms' } } }, { MODE: 'wait', WAIT_MS: '20' }, ['--progress', 'ndjson']));
    expect(r.code).toBe(0);
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('{"progress"')).map((l) => JSON.parse(l).progress);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(Object.keys(lines[0]).sort()).toEqual(['dropped', 'elapsed_ms', 'failed', 'iterations', 'requests', 'vus']);
    expect(lines[lines.length - 1].requests).toBeGreaterThan(0);
  });

  it('Ctrl-C stops the run, still runs teardown and handleSummary, exits 105', async () => {
    const file = out();
    const options = { scenarios: { cv: { executor: 'constant-vus', vus: 3, duration: '60s' } } };
    const started = Date.now();
    const r = await runEngine(probeArgs(fx.mock.url, file, options, { MODE: 'wait', WAIT_MS: '20' }, ['--progress', 'ndjson']), {
      onStart: (child) => {
        // Interrupt once the scenarios run (the first progress line).
        const onData = (d: Buffer) => {
          if (d.toString().includes('{"progress"')) {
            child.stderr!.off('data', onData);
            child.kill('SIGINT');
          }
        };
        child.stderr!.on('data', onData);
      },
    });
    expect(r.code).toBe(105);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.stderr).toContain('stopping: interrupted');
    const { data } = readProbe(file);
    expect(data.metrics.iterations.values.count).toBeGreaterThan(0);
  });
});
