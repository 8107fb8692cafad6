// compare carries validity: a saturated rig, a partial run, a run failing above --max-error-rate,
// an unstable warm-up and differing load shapes are warned about in every format; a broken run is
// never marked best and gets no verdict; --strict turns any warning into exit 2.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main as compare } from './compare-cli.ts';
import { compareResults } from './compare.ts';
import { resultFromSummary } from './from-summary.ts';
import { renderHtml } from './html.ts';
import { renderJson, renderMarkdown, renderTable } from './render.ts';
import type { Result } from './schema.ts';
import { renderBenchSummary } from '../runner/table.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

// Three real engine runs: the mock direct (baseline), a gateway measured on a saturated rig, and a
// gateway whose upstream answered 503 to half of the requests (error samples as the runner keeps them).
const direct = resultFromSummary(fixture('engine/engine-basic.summary.json'), { name: 'direct' }).result;
const gatewayA: Result = {
  ...direct,
  name: 'gateway-a',
  latency_p50: direct.latency_p50! - 2_000_000, // faster than the baseline at p50: negative overhead
  rig: { mock_cpu_peak_percent: 40, loadgen_cpu_peak_percent: 102, rig_saturated: true },
};
const gatewayB: Result = {
  ...resultFromSummary(fixture('engine/engine-basic-half-failed.summary.json'), { name: 'gateway-b' }).result,
  concurrency: 10,
  requests: 200,
  error_samples: [
    { kind: 'http_5xx', status: 503, count: 32, body: '{"error":{"message":"injected error","type":"server_error"}}' },
    { kind: 'connection', status: null, count: 2, body: 'read ECONNRESET' },
  ],
};
const broken = { ...resultFromSummary(fixture('engine/engine-basic-all-failed.summary.json'), { name: 'broken' }).result, concurrency: 10, requests: 200 };

const SATURATED = 'gateway-a: rig saturated (load generator CPU 102%, mock CPU 40%)';
const FAILING = 'gateway-b: error rate 53.33% above 1.00% (--max-error-rate): not ranked';

describe('the comparison model', () => {
  const c = compareResults([{ result: gatewayA }, { result: gatewayB }], { baseline: { result: direct } });

  it('lists what makes each run doubtful, in column order', () => {
    expect(c.warnings).toEqual([SATURATED, FAILING]);
    expect(c.validity.map((v) => [v.run, v.kind])).toEqual([['gateway-a', 'rig_saturated'], ['gateway-b', 'error_rate']]);
    expect(c.runs.map((r) => [r.label, r.ranked])).toEqual([['direct', true], ['gateway-a', true], ['gateway-b', false]]);
  });

  it('never marks the failing run best and gives no verdict against it', () => {
    const row = (key: string) => c.rows.find((r) => r.key === key)!;
    // gateway-b's p99 (144.07 ms of its 28 successes) and rps are real numbers, but not rankable.
    expect(row('latency_p99').values[2]).toBe(144_072_130);
    for (const r of c.rows) {
      expect(r.best, r.key).not.toBe(2);
      expect(r.verdict, r.key).toBeNull(); // Δ is gateway-b against direct
    }
    expect(row('latency_p50').best).toBe(1); // gateway-a, among the ranked runs
    expect(row('latency_p99').delta).toBe(144_072_130 - direct.latency_p99!);
  });

  it('fails latency gates against a failing run, evaluates error gates', () => {
    const gated = compareResults([{ result: gatewayB }], { baseline: { result: direct }, failOn: 'p99:+1000%,error_rate:+60pp' });
    expect(gated.gates.map((g) => [g.ok, g.message])).toEqual([
      [false, 'p99:+1000%: cannot evaluate, gateway-b failed 53.33% of its requests (above --max-error-rate 1.00%)'],
      [true, 'error_rate:+60pp: ok, error_rate +53.33 pp (0.00% → 53.33%)'],
    ]);
  });

  it('ranks the failing run when its error rate is within --max-error-rate', () => {
    const lenient = compareResults([{ result: gatewayA }, { result: gatewayB }], { baseline: { result: direct }, maxErrorRate: 0.6 });
    expect(lenient.warnings).toEqual([SATURATED]);
    expect(lenient.rows.find((r) => r.key === 'latency_p99')!.verdict).toBe('worse');
  });

  it('a run where nothing succeeded: null cells, never best, overhead null', () => {
    const withBroken = compareResults([{ result: gatewayA }, { result: broken }], { baseline: { result: direct } });
    const p50 = withBroken.rows.find((r) => r.key === 'latency_p50')!;
    expect(p50.values[2]).toBeNull();
    expect(p50.best).toBe(1);
    expect(withBroken.rows.find((r) => r.key === 'overhead_p50')!.values).toEqual([null, -2_000_000, null]);
    const table = renderTable(withBroken);
    expect(table).toMatch(/^latency p50\s+7\.32 ms\s+5\.32 ms \*\s+—\s+—\s+—$/m);
    expect(table).toMatch(/^overhead p50\s+—\s+-2\.00 ms\s+—\s+—\s+—$/m);
    expect(table).toContain('⚠ broken: error rate 100.00% above 1.00% (--max-error-rate): not ranked');
  });

  it('warns about partial runs, unstable warm-ups, pinning, duration and timing source', () => {
    const timeBound = (r: Result, seconds: number): Result => ({ ...r, requests: 0, duration: seconds * 1e9 });
    const a: Result = {
      ...timeBound(direct, 30),
      name: 'a',
      partial: true,
      partial_reason: 'stopped at --max-duration 10m',
      load: { model: 'closed', offered_rps: null, achieved_rps: 900, dropped_iterations: 0, warmup_seconds: 30, warmup_stabilised: false },
      rig: { mock_cpu_peak_percent: 20, loadgen_cpu_peak_percent: 30, rig_saturated: false, placement: { pinned: true, loadgen_cpus: '1', target_cpus: '0', mock_cpus: '0' } },
      streaming: { ttft_p50: 1, ttft_p95: 1, ttft_p99: 1, itl_p50: 1, itl_p99: 1, tokens_per_second_p50: 1, output_tokens: 1, stream_ok_rate: 1, timing_source: 'sse-events' } as Result['streaming'],
    };
    const b: Result = {
      ...timeBound(direct, 60),
      name: 'b',
      load: { model: 'closed', offered_rps: null, achieved_rps: 900, dropped_iterations: 0, warmup_seconds: 4, warmup_stabilised: true },
      environment: { pinning: null },
      streaming: { ...a.streaming!, timing_source: 'k6-timings' } as Result['streaming'],
    };
    expect(compareResults([a, b]).warnings).toEqual([
      'a: partial run (stopped at --max-duration 10m)',
      'a: warm-up never stabilised (stopped at its 30 s cap)',
      'runs differ in streaming timing source (a: sse-events, b: k6-timings): the diff may mislead',
      'runs differ in CPU pinning (a: pinned, b: not pinned): the diff may mislead',
      'runs differ in duration (a: 30.0 s, b: 60.0 s): the diff may mislead',
    ]);
    // Within 10%, measured durations of time-bound runs are the same load.
    expect(compareResults([timeBound(direct, 30), { ...timeBound(direct, 32), name: 'c' }]).warnings).toEqual([]);
    expect(compareResults([{ ...direct, partial: true }]).warnings).toEqual(['direct: partial run (interrupted)']);
  });
});

describe('warnings and error samples in every format', () => {
  const c = compareResults([{ result: gatewayA }, { result: gatewayB }], { baseline: { result: direct } });

  it('table', () => {
    const text = renderTable(c);
    expect(text).toContain(['Warnings:', `⚠ ${SATURATED}`, `⚠ ${FAILING}`, ''].join('\n'));
    expect(text).toContain(
      ['Error samples of gateway-b:', '  http_5xx 503 ×32: {"error":{"message":"injected error","type":"server_error"}}', '  connection no response ×2: read ECONNRESET'].join('\n'),
    );
    expect(text).toContain('Runs failing more than 1.00% of requests are not ranked.');
    // gateway-b's column (the third value) never carries the best mark, Δ no verdict.
    for (const line of text.split('\n').filter((l) => /^(latency|requests\/s)/.test(l))) {
      expect(line, line).not.toMatch(/(better|worse)$/);
      const cells = line.split(/\s{2,}/);
      expect(cells[3], line).not.toContain('*');
    }
  });

  it('markdown', () => {
    const md = renderMarkdown(c);
    expect(md).toContain(['**Warnings**', '', `- ⚠ ${SATURATED}`, `- ⚠ ${FAILING}`].join('\n'));
    expect(md).toContain('Error samples of **gateway-b**:');
    expect(md).toContain('- http\\_5xx 503 ×32: {"error":{"message":"injected error","type":"server\\_error"}}');
    const p99 = md.split('\n').find((l) => l.startsWith('| latency p99 |'))!;
    expect(p99.split(' | ')[3]).toBe('144.07 ms');
  });

  it('JSON', () => {
    const json = JSON.parse(renderJson(c));
    expect(json.warnings).toEqual([SATURATED, FAILING]);
    expect(json.validity).toEqual([
      { run: 'gateway-a', kind: 'rig_saturated', message: SATURATED },
      { run: 'gateway-b', kind: 'error_rate', message: FAILING },
    ]);
    expect(json.max_error_rate).toBe(0.01);
    expect(json.runs.map((r: { ranked: boolean }) => r.ranked)).toEqual([true, true, false]);
    expect(json.error_samples[0].samples[1]).toEqual({ kind: 'connection', status: null, count: 2, body: 'read ECONNRESET' });
  });

  it('HTML', () => {
    const html = renderHtml(c, { generatedAt: 'T' });
    expect(html).toContain(`<section class="warnings"><h2>Warnings</h2><ul><li>⚠ ${SATURATED}</li><li>⚠ ${FAILING}</li></ul></section>`);
    expect(html).toContain('<h2>Error samples of gateway-b</h2>');
    expect(html).toContain('<td>connection</td><td class="num">no response</td><td class="num">2</td><td><code>read ECONNRESET</code></td>');
  });

  it('the bench summary (runner/table.ts) carries them too', () => {
    const text = renderBenchSummary({ result: gatewayB, file: 'b.json' }, { result: direct, file: 'direct.json' });
    expect(text).toContain(`⚠ ${FAILING}`);
    expect(text).toContain('  http_5xx 503 ×32: {"error":{"message":"injected error","type":"server_error"}}');
  });
});

describe('llmux-bench compare with doubtful runs', () => {
  let dir: string;
  const files: Record<string, string> = {};
  let out = '';
  let err = '';
  async function run(argv: string[]): Promise<number> {
    out = '';
    err = '';
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
    try {
      return await compare(argv);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  }
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'llmux-validity-'));
    for (const [name, result] of Object.entries({ direct, 'gateway-a': gatewayA, 'gateway-b': gatewayB })) {
      files[name] = path.join(dir, `${name}.json`);
      await writeFile(files[name], JSON.stringify(result));
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the warnings and exits 0 without --strict, in every format', async () => {
    const args = [files['gateway-a'], files['gateway-b'], '--baseline', files.direct];
    expect(await run(args)).toBe(0);
    expect(out).toContain(`⚠ ${SATURATED}\n⚠ ${FAILING}\n`);
    expect(await run([...args, '--format', 'md'])).toBe(0);
    expect(out).toContain(`- ⚠ ${SATURATED}\n- ⚠ ${FAILING}\n`);
    expect(await run([...args, '--format', 'json'])).toBe(0);
    expect(JSON.parse(out).warnings).toEqual([SATURATED, FAILING]);
    expect(err).toBe(`warning: ${SATURATED}\nwarning: ${FAILING}\n`);
    const html = path.join(dir, 'r.html');
    expect(await run([...args, '--format', 'html', '--out', html])).toBe(0);
    expect(await readFile(html, 'utf8')).toContain(`<li>⚠ ${SATURATED}</li>`);
  });

  it('--strict exits 2 on any warning, naming each, and writes no report', async () => {
    const args = [files['gateway-a'], files['gateway-b'], '--baseline', files.direct, '--strict'];
    expect(await run(args)).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`llmux-bench compare: ${SATURATED} (--strict)\nllmux-bench compare: ${FAILING} (--strict)\n`);
    // A saturated rig alone is enough.
    expect(await run([files['gateway-a'], '--baseline', files.direct, '--strict'])).toBe(2);
    expect(err).toBe(`llmux-bench compare: ${SATURATED} (--strict)\n`);
    // Nothing doubtful: 0.
    expect(await run([files.direct, files.direct, '--strict'])).toBe(0);
  });

  it('--max-error-rate moves the limit; a bad value is a usage error naming the flag', async () => {
    expect(await run([files['gateway-b'], '--baseline', files.direct, '--strict', '--max-error-rate', '0.6'])).toBe(0);
    expect(out).not.toContain('⚠');
    expect(await run([files['gateway-b'], '--max-error-rate', '2'])).toBe(2);
    expect(err).toContain('--max-error-rate: Too big: expected number to be <=1 (got "2")');
  });
});

describe('rows read but never ranked', () => {
  it('failed latency is shown with no best mark and no verdict; usage mismatches get a row', () => {
    const a: Result = { ...direct, name: 'a', failed_latency_p50: 1_000_000, failed_latency_p99: 30_000_000_000 };
    const b: Result = { ...direct, name: 'b', failed_latency_p50: 5_000_000, failed_latency_p99: 9_000_000 };
    const c = compareResults([a, b]);
    const row = c.rows.find((r) => r.key === 'failed_latency_p99')!;
    expect([row.values, row.best, row.verdict, row.delta]).toEqual([[30_000_000_000, 9_000_000], null, null, 9_000_000 - 30_000_000_000]);
    expect(renderTable(c)).toMatch(/^failed latency p99\s+30\.000 s\s+9\.00 ms\s+−29\.991 s\s+0\.000x$/m);
    const streamed = (name: string, mismatch: number): Result => ({
      ...direct, name,
      streaming: { ttft_p50: 1, ttft_p95: 1, ttft_p99: 1, itl_p50: 1, itl_p99: 1, tokens_per_second_p50: 1, output_tokens: 1, stream_ok_rate: 1, usage_mismatch: mismatch },
    });
    expect(compareResults([streamed('x', 0), streamed('y', 7125)]).rows.find((r) => r.key === 'usage_mismatch')).toMatchObject({ values: [0, 7125], best: 0, verdict: 'worse' });
  });
});
