import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parityMain } from './cli.ts';
import { defaultParityDeps, parityRows, renderParityTable, type ParityDeps } from './parity.ts';
import { resultFromSummary } from '../../reporter/index.ts';
import { makeFakeK6, realK6 as findRealK6, SUMMARY_FIXTURES, type FakeK6 } from '../testdata/fake-k6.ts';

const fixture = (): Record<string, any> => JSON.parse(readFileSync(join(SUMMARY_FIXTURES, 'default.json'), 'utf8'));

let fake: FakeK6;
let savedEnv: NodeJS.ProcessEnv;
let stderrSpy: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  fake = makeFakeK6();
  savedEnv = { ...process.env };
  stderrSpy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  stderrSpy.mockRestore();
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  fake.cleanup();
});

function capture() {
  const out = new PassThrough();
  const err = new PassThrough();
  const text = { stdout: '', stderr: '' };
  out.on('data', (chunk) => (text.stdout += chunk));
  err.on('data', (chunk) => (text.stderr += chunk));
  return { out, err, text };
}

/** Summaries the fake k6 writes per run name, in a folder of their own. */
function summaries(variants: Record<string, Record<string, any>>): string {
  const dir = join(fake.root, 'summaries');
  mkdirSync(dir, { recursive: true });
  for (const [name, data] of Object.entries(variants)) writeFileSync(join(dir, `${name}.json`), JSON.stringify(data));
  return dir;
}

describe('npm run parity without k6', () => {
  it('says so and exits 0 without starting anything', async () => {
    const io = capture();
    const startMock = vi.fn();
    const code = await parityMain([], { ...defaultParityDeps(), env: fake.envWithoutK6(), stdout: io.out, stderr: io.err, startMock });
    expect(code).toBe(0);
    expect(io.text.stdout).toContain('parity: k6 is not installed here (not in K6_BIN or PATH)');
    expect(io.text.stdout).toContain('https://grafana.com/docs/k6/latest/set-up/install-k6/');
    expect(startMock).not.toHaveBeenCalled();
    expect(fake.calls()).toEqual([]);
  });

  it('still rejects bad flags with exit 2', async () => {
    const io = capture();
    expect(await parityMain(['--tolerance', '-1'], { ...defaultParityDeps(), env: fake.envWithoutK6(), stdout: io.out, stderr: io.err })).toBe(2);
  });
});

describe('npm run parity with a k6 (stand-in on both sides)', () => {
  // The flow with its own pieces: k6 side = the fake k6, "embedded" side = the fake too (so the
  // statistics are the fixtures'), a stub mock; runLoad is the real one.
  async function parity(argv: string[], variants: Record<string, Record<string, any>>) {
    Object.assign(process.env, { FAKE_K6_RECORD: fake.record, FAKE_K6_SUMMARY: summaries(variants) });
    const io = capture();
    const stop = vi.fn(async () => {});
    const deps: ParityDeps = {
      ...defaultParityDeps(),
      env: fake.env(),
      cwd: fake.work,
      stdout: io.out,
      stderr: io.err,
      selectEngine: async (mode) => ({ kind: mode, command: [fake.bin], version: mode === 'k6' ? 'v0.55.2' : '0.1.0' }),
      build: async () => {
        throw new Error('--script given: no build expected');
      },
      startMock: async () => ({ url: 'http://127.0.0.1:9', stop }),
    };
    writeFileSync(join(fake.work, 'basic.js'), 'export default function () {}\n');
    const code = await parityMain(['--script', 'basic.js', '--output', 'out', ...argv], deps);
    return { code, ...io.text, stop };
  }

  it('equal statistics: table of every main statistic, verdict within tolerance, exit 0', async () => {
    const run = await parity(['--requests', '300', '--concurrency', '7'], { default: fixture() });
    expect(run.code).toBe(0);
    expect(run.stop).toHaveBeenCalledOnce();
    const lines = run.stdout.trim().split('\n');
    expect(lines.slice(-9)).toEqual([
      `parity: basic, k6 v0.55.2 (${fake.bin}) vs embedded engine 0.1.0, same mock, k6 first`,
      'statistic      k6  embedded     diff  diff %  verdict',
      'requests     2000      2000        0    0.0%  ok',
      'rps         949.9     949.9      0.0    0.0%  ok',
      'p50 ms      51.30     51.30     0.00    0.0%  ok',
      'p95 ms      55.10     55.10     0.00    0.0%  ok',
      'p99 ms      61.30     61.30     0.00    0.0%  ok',
      'error rate  0.00%     0.00%  0.00 pp       -  ok',
      'verdict: within tolerance ±15% (times: or ±5 ms; error rate: ±1.00 pp; requests: exact)',
    ]);
    // Both runs: same script, same load, the mock as TARGET, their own NAME, one run folder.
    const [k6Call, embeddedCall] = fake.calls().map((call) => call.argv);
    const folder = readdirSync(join(fake.work, 'out'))[0];
    expect(folder).toMatch(/^parity_\d{8}_\d{6}$/);
    const output = `${join(fake.work, 'out', folder)}/`;
    const script = join(fake.work, 'basic.js');
    expect(k6Call).toEqual(['run', '--quiet', '-e', 'REQUESTS=300', '-e', 'CONCURRENCY=7', '-e', 'TARGET=http://127.0.0.1:9', '-e', 'NAME=parity-k6', '-e', `OUTPUT=${output}`, script]);
    expect(embeddedCall).toEqual(['run', '--progress', 'ndjson', ...k6Call.slice(2, 8), '-e', 'NAME=parity-embedded', '-e', `OUTPUT=${output}`, script]);
    expect(readdirSync(output).sort()).toEqual(['parity-embedded.summary.json', 'parity-k6.summary.json']);
  });

  it('a latency off by more than the tolerance: DIFF, exit 1', async () => {
    const slow = fixture();
    slow.metrics['http_req_duration{expected_response:true}'].values['p(95)'] = 80;
    const run = await parity([], { 'parity-k6': fixture(), 'parity-embedded': slow });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^p95 ms +55\.10 +80\.00 +\+24\.90 +\+45\.2% +DIFF$/m);
    expect(run.stdout).toContain('verdict: p95 ms outside tolerance');
  });

  it('streaming: ttft rows, and a statistic only one engine measured is MISSING', async () => {
    const withTtft = fixture();
    withTtft.metrics.ttft = { type: 'trend', contains: 'time', values: { avg: 50.5, min: 50, med: 50.4, max: 60, 'p(50)': 50.4, 'p(90)': 51, 'p(95)': 51.5, 'p(99)': 55, count: 2000 } };
    const both = await parity(['--scenario', 'streaming'], { default: withTtft });
    expect(both.code).toBe(0);
    expect(both.stdout).toMatch(/^ttft p50 ms +50\.40 +50\.40 +0\.00 +0\.0% +ok$/m);
    expect(both.stdout).toMatch(/^ttft p99 ms +55\.00 +55\.00/m);
    fake.cleanup();
    fake = makeFakeK6();
    const one = await parity(['--scenario', 'streaming'], { 'parity-k6': withTtft, 'parity-embedded': fixture() });
    expect(one.code).toBe(1);
    expect(one.stdout).toMatch(/^ttft p50 ms +50\.40 +- +- +- +MISSING$/m);
  });

  it('a run that writes no summary: said, exit 1, mock stopped', async () => {
    Object.assign(process.env, { FAKE_K6_EXIT: '107' });
    const run = await parity([], {});
    expect(run.code).toBe(1);
    expect(run.stop).toHaveBeenCalledOnce();
    expect(run.stdout).toContain('parity: no comparison, a run wrote no summary');
  });
});

describe('parityRows', () => {
  const result = (mutate: (data: Record<string, any>) => void = () => {}) => {
    const data = fixture();
    mutate(data);
    return resultFromSummary(data).result;
  };
  const tolerance = { tolerancePct: 10, toleranceMs: 2, toleranceErrorRate: 0.01, byCount: true };

  it('times pass within the larger of the relative and the absolute tolerance', () => {
    const rows = parityRows(result(), result((d) => (d.metrics['http_req_duration{expected_response:true}'].values['p(50)'] = 51.3 + 1.9)), tolerance);
    expect(rows.find((row) => row.label === 'p50 ms')!.verdict).toBe('ok');
    const far = parityRows(result(), result((d) => (d.metrics['http_req_duration{expected_response:true}'].values['p(50)'] = 51.3 * 1.2)), tolerance);
    expect(far.find((row) => row.label === 'p50 ms')!.verdict).toBe('DIFF');
  });

  it('error rate by absolute difference; request counts exact only when run by count', () => {
    const failing = result((d) => {
      d.metrics.http_req_failed.values = { rate: 0.05, passes: 100, fails: 1900 };
    });
    expect(parityRows(result(), failing, tolerance).find((row) => row.label === 'error rate')!.verdict).toBe('DIFF');
    const fewer = result((d) => (d.metrics.http_reqs.values.count = 1990));
    expect(parityRows(result(), fewer, tolerance).find((row) => row.label === 'requests')!.verdict).toBe('DIFF');
    expect(parityRows(result(), fewer, { ...tolerance, byCount: false }).find((row) => row.label === 'requests')!.verdict).toBe('ok');
    expect(renderParityTable(parityRows(result(), result(), tolerance)).split('\n')[0]).toBe('statistic      k6  embedded     diff  diff %  verdict');
  });
});

const canRunEndToEnd = ['engine/cli.ts', 'mock/cli.ts', 'build.mjs'].every((file) => existsSync(new URL(`../../${file}`, import.meta.url)));

describe.skipIf(!canRunEndToEnd)('npm run parity end to end: real mock, real embedded engine, stand-in k6', () => {
  it('runs both against one mock; the embedded run is real, the stand-in one is the fixture', async () => {
    Object.assign(process.env, { FAKE_K6_RECORD: fake.record, FAKE_K6_SUMMARY: SUMMARY_FIXTURES });
    const io = capture();
    const code = await parityMain(['--requests', '200', '--concurrency', '5', '--mock-latency', '5ms', '--output', join(fake.work, 'out')], {
      ...defaultParityDeps(),
      env: fake.env(),
      stdout: io.out,
      stderr: io.err,
    });
    // The fixture claims 2000 requests; the embedded engine really sent 200: parity must notice.
    expect(io.text.stdout).toMatch(/^requests +2000 +200 +-1800 +-90\.0% +DIFF$/m);
    expect(code).toBe(1);
    const k6Call = fake.calls()[1].argv;
    expect(k6Call.slice(0, 6)).toEqual(['run', '--quiet', '-e', 'REQUESTS=200', '-e', 'CONCURRENCY=5']);
    expect(k6Call[7]).toMatch(/^TARGET=http:\/\/127\.0\.0\.1:\d+$/);
    expect(k6Call.at(-1)).toMatch(/dist[/\\]basic\.js$/);
    const [folder] = readdirSync(join(fake.work, 'out'));
    const embedded = JSON.parse(readFileSync(join(fake.work, 'out', folder, 'parity-embedded.summary.json'), 'utf8'));
    expect(embedded.metrics.http_reqs.values.count).toBe(200);
    expect(embedded.llmux.target).toBe(k6Call[7].slice('TARGET='.length));
  });
});
if (!canRunEndToEnd) console.warn('parity end-to-end test skipped: engine/cli.ts, mock/cli.ts or build.mjs missing');

const realK6 = findRealK6();
if (!realK6) console.warn('real-k6 parity test skipped: no k6 in K6_BIN or PATH (install k6 to run it)');

describe.skipIf(!realK6 || !canRunEndToEnd)('npm run parity with a real k6', () => {
  it('runs the basic scenario under k6 and the embedded engine and compares them', async () => {
    const io = capture();
    const code = await parityMain(['--requests', '300', '--concurrency', '5', '--output', join(fake.work, 'out')], {
      ...defaultParityDeps(),
      stdout: io.out,
      stderr: io.err,
    });
    expect(io.text.stdout).toMatch(/^requests +300 +300 +\+?0 +0\.0% +ok$/m);
    for (const label of ['rps', 'p50 ms', 'p95 ms', 'p99 ms', 'error rate']) expect(io.text.stdout).toMatch(new RegExp(`^${label} `, 'm'));
    expect([0, 1]).toContain(code); // timing noise on a shared machine may exceed the tolerance
  });
});
