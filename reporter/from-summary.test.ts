import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectInput, InputError, resultFromSummary } from './from-summary.ts';
import { ResultSchema } from './schema.ts';
import { epochNs, formatEpochNs, msToNs } from './time.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const clone = <T>(value: T): T => structuredClone(value);

describe('detectInput', () => {
  it('recognises every supported format', () => {
    expect(detectInput(fixture('handle-summary-p9999.json'))).toBe('k6-handle-summary');
    expect(detectInput(fixture('constructed/handle-summary-streaming.json'))).toBe('k6-handle-summary');
    expect(detectInput(fixture('summary-export-legacy.json'))).toBe('k6-summary-export');
    expect(detectInput(fixture('constructed/summary-export-full.json'))).toBe('k6-summary-export');
    expect(detectInput(fixture('constructed/machine-readable-v1.json'))).toBe('k6-machine-readable');
    expect(detectInput(fixture('constructed/go-runner-result.json'))).toBe('llmux-result');
    expect(detectInput({ hello: 'world' })).toBeNull();
    expect(detectInput([1, 2])).toBeNull();
    expect(detectInput(null)).toBeNull();
  });
});

describe('real k6 handleSummary data (handle-summary-p9999.json)', () => {
  const { result, warnings } = resultFromSummary(fixture('handle-summary-p9999.json'), { name: 'k6-real', target: 'http://x' });

  it('maps counts, wall time and rps = success / wall seconds', () => {
    expect(result.total_requests).toBe(17044);
    expect(result.failed_requests).toBe(0); // http_req_failed passes
    expect(result.success_requests).toBe(17044);
    expect(result.duration).toBe(30_009_057_334); // testRunDurationMs 30009.057334
    expect(result.rps).toBeCloseTo(17044 / 30.009057334, 9);
    expect(result.error_rate).toBe(0);
  });

  it('converts latency of successful requests from ms floats to integer ns exactly', () => {
    expect(result.latency_min).toBe(23_303_409);
    expect(result.latency_max).toBe(1_269_039_757);
    expect(result.latency_mean).toBe(43_537_511); // 43.53751052880767 ms, rounded half up
    expect(result.latency_p50).toBe(39_683_378); // med 39.683377500000006
    expect(result.latency_p95).toBe(59_662_803);
    expect(result.latency_p99).toBe(109_769_817);
    for (const key of ['latency_min', 'latency_max', 'latency_mean', 'latency_p50', 'latency_p95', 'latency_p99'] as const) {
      expect(Number.isInteger(result[key])).toBe(true);
    }
  });

  it('reports what the summary lacks as null with a warning, never 0', () => {
    expect(result.latency_p90).toBeNull();
    expect(warnings).toContain('latency_p90: null (http_req_duration{expected_response:true} has no p(90); add it to summaryTrendStats)');
    expect(result.requests).toBeNull();
    expect(result.start_time).toBeNull();
    expect(result.errors).toBeNull(); // a plain k6 script has no llm_errors counters
    expect(result.streaming).toBeNull();
    expect(result.concurrency).toBe(50);
    expect(warnings).toContain('concurrency: taken from vus_max (50)');
  });

  it('reads checks from root_group and thresholds from each metric', () => {
    expect(result.checks).toEqual({ passes: 17044, fails: 0, by_name: [{ name: 'is status 200', group: '', passes: 17044, fails: 0 }] });
    expect(result.thresholds).toEqual([
      { metric: 'http_req_duration', expression: 'avg<150', ok: true },
      { metric: 'http_req_duration', expression: 'p(95)<500', ok: true },
    ]);
    expect(result.source).toEqual({ format: 'k6-handle-summary', file: null });
    expect(ResultSchema.safeParse(result).success).toBe(true);
  });
});

describe('real legacy --summary-export (summary-export-legacy.json)', () => {
  const { result, warnings } = resultFromSummary(fixture('summary-export-legacy.json'));

  it('leaves failures, success and rps null when nothing says which requests failed', () => {
    expect(result.total_requests).toBe(11413);
    expect(result.failed_requests).toBeNull();
    expect(result.success_requests).toBeNull();
    expect(result.rps).toBeNull();
    expect(result.error_rate).toBeNull();
    expect(warnings[0]).toMatch(/^failed_requests: unknown/);
  });

  it('falls back to http_req_duration with a warning and keeps p99 null', () => {
    expect(result.latency_p50).toBe(403_969);
    expect(result.latency_p90).toBe(638_050); // 0.6380496 ms
    expect(result.latency_p95).toBe(701_272);
    expect(result.latency_p99).toBeNull();
    expect(warnings).toContain('latency_p99: null (http_req_duration has no p(99); add it to summaryTrendStats)');
    expect(warnings.some((w) => w.startsWith('latency_*: from http_req_duration, which includes failed requests'))).toBe(true);
  });

  it('derives the wall time from the http_reqs rate, saying so', () => {
    expect(result.duration).toBe(Math.round((11413 / 179.71526784753712) * 1e9));
    expect(warnings).toContain('duration: derived from http_reqs count / rate (the summary has no test run duration)');
  });

  it('reads legacy checks keyed by name and thresholds where false means passed', () => {
    expect(result.checks?.by_name).toEqual([{ name: 'login status is 200', group: '', passes: 2712, fails: 0 }]);
    expect(result.thresholds).toEqual([{ metric: 'http_req_duration', expression: 'p(95)<500', ok: true }]);
  });
});

describe('constructed legacy export with failures (summary-export-full.json)', () => {
  const { result } = resultFromSummary(fixture('constructed/summary-export-full.json'));
  it('reads Rate value, failed thresholds (true = FAILED) and checks inside groups', () => {
    expect(result.failed_requests).toBe(5);
    expect(result.success_requests).toBe(195);
    expect(result.error_rate).toBe(0.025);
    expect(result.rps).toBeCloseTo(195 / 10, 9);
    expect(result.latency_p99).toBe(29_000_001);
    expect(result.latency_mean).toBe(12_250_000);
    expect(result.thresholds).toEqual([
      { metric: 'http_req_duration', expression: 'p(95)<500', ok: true },
      { metric: 'http_req_failed', expression: 'rate<0.01', ok: false },
    ]);
    expect(result.checks).toEqual({ passes: 195, fails: 5, by_name: [{ name: 'status is 200', group: 'api', passes: 195, fails: 5 }] });
    expect(result.concurrency).toBe(4);
  });
});

describe('handleSummary data with the llmux key (streaming)', () => {
  const data = fixture('constructed/handle-summary-streaming.json');
  const { result, warnings } = resultFromSummary(data);

  it('takes name, target, scenario, requests, concurrency and times from the llmux key', () => {
    expect(result.name).toBe('llmux-stream');
    expect(result.target).toBe('http://127.0.0.1:3000');
    expect(result.scenario).toBe('streaming');
    expect(result.requests).toBe(1000);
    expect(result.concurrency).toBe(25);
    expect(result.start_time).toBe('2026-11-28T06:00:00.123456789Z');
    expect(result.end_time).toBe('2026-11-28T06:00:10.127956789Z');
    expect(result.duration).toBe(10_004_500_000);
    expect(warnings).toEqual([]);
  });

  it('counts failures from llm_errors (which includes timeouts) and errors by kind, absent kinds 0', () => {
    expect(result.failed_requests).toBe(12);
    expect(result.success_requests).toBe(988);
    expect(result.rps).toBeCloseTo(988 / 10.0045, 9);
    expect(result.error_rate).toBeCloseTo(0.012, 12);
    expect(result.errors).toEqual({ http_429: 3, http_4xx: 0, http_5xx: 7, timeout: 2, connection: 0, bad_body: 0 });
  });

  it('fills the streaming block from ttft, itl, tokens_per_second, output_tokens and stream_ok', () => {
    expect(result.streaming).toEqual({
      ttft_p50: 50_200_000, ttft_p90: 50_900_000, ttft_p95: 51_000_000, ttft_p99: 53_000_000, ttft_mean: 50_950_000,
      itl_p50: 10_050_000, itl_p90: 10_400_000, itl_p95: 10_600_000, itl_p99: 11_000_000, itl_mean: 10_060_000,
      tpot_p50: null, tpot_p99: null,
      tokens_per_second_p50: 99.1, tokens_per_second_mean: 98.7, output_tokens: 19800, stream_ok_rate: 0.988,
      usage_mismatch: null, // the fixture predates the usage_mismatch counter: not measured
      // No llmux.timing_source and no sse_event counter: a buffered stream.
      timing_source: 'k6-buffered',
    });
    expect(result.latency_p99).toBe(302_000_000); // 301.9999995 ms rounds half up
    expect(result.latency_p95).toBe(270_333_333);
  });

  it('reads nested checks and failing thresholds', () => {
    expect(result.checks?.passes).toBe(1978);
    expect(result.checks?.by_name?.[1]).toEqual({ name: 'stream completed', group: 'chat', passes: 988, fails: 12 });
    expect(result.thresholds).toContainEqual({ metric: 'http_req_failed', expression: 'rate<0.01', ok: false });
    expect(result.load).toEqual({ model: 'closed', offered_rps: null, achieved_rps: result.rps, dropped_iterations: 0, warmup_seconds: 0 });
  });

  it('counts llm_errors as 0 when our script ran and the counter never moved', () => {
    const quiet = clone(data);
    for (const key of Object.keys(quiet.metrics)) if (key.startsWith('llm_errors')) delete quiet.metrics[key];
    quiet.metrics.http_req_failed.values = { rate: 0, passes: 0, fails: 1000 };
    const { result: r } = resultFromSummary(quiet);
    expect(r.failed_requests).toBe(0);
    expect(r.errors).toEqual({ http_429: 0, http_4xx: 0, http_5xx: 0, timeout: 0, connection: 0, bad_body: 0 });
  });

  it('warns when a streaming percentile is missing', () => {
    const partial = clone(data);
    delete partial.metrics.ttft.values['p(99)'];
    delete partial.metrics.stream_ok;
    const { result: r, warnings: w } = resultFromSummary(partial);
    expect(r.streaming?.ttft_p99).toBeNull();
    expect(r.streaming?.stream_ok_rate).toBeNull();
    expect(w).toContain('streaming.ttft_p99: null (ttft has no p(99); add it to summaryTrendStats)');
    expect(w).toContain('streaming.stream_ok_rate: null (no stream_ok metric)');
  });

  it('lets the caller override and add what the runner measured', () => {
    const { result: r } = resultFromSummary(data, {
      name: 'override',
      engine: { name: 'embedded', version: '0.1.0' },
      memory: { peak_rss_bytes: 100, avg_rss_bytes: 50, samples: 3, source: 'target-pid' },
      environment: { cores: 2, node: 'v20.20.2' },
      sourceFile: 'results/x.summary.json',
    });
    expect(r.name).toBe('override');
    expect(r.engine).toEqual({ name: 'embedded', version: '0.1.0' });
    expect(r.memory?.peak_rss_bytes).toBe(100);
    expect(r.environment).toEqual({ cores: 2, node: 'v20.20.2' });
    expect(r.source?.file).toBe('results/x.summary.json');
  });

  it('computes overhead over a baseline result per percentile', () => {
    const base = resultFromSummary(data).result;
    const slower = clone(data);
    slower.metrics['http_req_duration{expected_response:true}'].values['p(99)'] = 305.5;
    slower.metrics.ttft.values['p(50)'] = 51.2;
    const { result: r } = resultFromSummary(slower, { baseline: base, baseline_file: 'results/base.json' });
    expect(r.overhead?.latency_p99).toBe(305_500_000 - 302_000_000);
    expect(r.overhead?.latency_p50).toBe(0);
    expect(r.overhead?.ttft_p50).toBe(1_000_000);
    expect(r.baseline_file).toBe('results/base.json');
  });
});

describe('all requests failed', () => {
  it('leaves latency null instead of reading failed requests', () => {
    const data = fixture('constructed/handle-summary-streaming.json');
    delete data.metrics['http_req_duration{expected_response:true}'];
    data.metrics.llm_errors.values.count = 1000;
    const { result, warnings } = resultFromSummary(data);
    expect(result.success_requests).toBe(0);
    expect(result.rps).toBe(0);
    expect(result.latency_p50).toBeNull();
    expect(warnings).toContain('latency_*: null (no successful requests)');
  });
});

describe('open model and plateaus (constructed concurrency run)', () => {
  const { result } = resultFromSummary(fixture('constructed/handle-summary-concurrency-open.json'));
  it('reads the load block from llmux.rate and dropped_iterations', () => {
    expect(result.load).toEqual({ model: 'open', offered_rps: 150, achieved_rps: 150, dropped_iterations: 7, warmup_seconds: 2 });
    expect(result.start_time).toBe('2026-11-28T07:00:00+01:00');
  });
  it('reads per-plateau submetrics', () => {
    expect(result.plateaus).toEqual([
      { vus: 10, total_requests: 1000, failed_requests: null, latency_p50: 51_000_000, latency_p95: 53_000_000, latency_p99: 55_000_000, error_rate: null, hold_seconds: null, rps: null },
      { vus: 100, total_requests: 2000, failed_requests: null, latency_p50: 60_000_000, latency_p95: 150_000_000, latency_p99: 250_000_000, error_rate: null, hold_seconds: null, rps: null },
    ]);
  });
  it('says why plateau rps and the warm-up could not be applied', () => {
    const { warnings } = resultFromSummary(fixture('constructed/handle-summary-concurrency-open.json'));
    expect(warnings).toEqual([
      'warm-up: llmux.warmup_s is 2 but the summary has no {phase:measure} submetrics; the numbers include the warm-up',
      'plateaus[].rps: null (plateaus 10, 100 are not the plan for concurrency 100: 10, 25, 50, 100)',
    ]);
  });
});

describe('machine-readable summary (constructed)', () => {
  const { result, warnings } = resultFromSummary(fixture('constructed/machine-readable-v1.json'));
  it('maps Rate matches/total, the k6 version and the run window', () => {
    expect(result.total_requests).toBe(1500);
    expect(result.failed_requests).toBe(30);
    expect(result.duration).toBe(30_000_000_000);
    expect(result.rps).toBeCloseTo(1470 / 30, 9);
    expect(result.engine).toEqual({ name: 'k6', version: '1.5.0' });
    expect(result.end_time).toBe('2026-11-28T06:10:30.500000000Z');
    expect(result.start_time).toBe('2026-11-28T06:10:00.500000000Z');
    expect(result.latency_p50).toBe(230_250_000);
    expect(result.latency_p99).toBeNull();
    expect(result.thresholds).toBeNull(); // the format has none
    expect(result.checks).toEqual({ passes: 1470, fails: 30, by_name: [{ name: 'status is 200', group: '', passes: 1470, fails: 30 }] });
    expect(warnings).toContain('start_time: derived as metadata.generatedAt − config.duration');
  });
});

describe('LLMux Go-runner result', () => {
  it('passes through unchanged, validated', () => {
    const json = fixture('constructed/go-runner-result.json');
    const { result, warnings } = resultFromSummary(json);
    expect(result).toEqual(json);
    expect(warnings).toEqual([]);
  });
  it('names the field at fault', () => {
    const json = fixture('constructed/go-runner-result.json');
    json.duration = 1.5;
    expect(() => resultFromSummary(json)).toThrow(new InputError('duration', 'expected int, received number'));
    const bad = fixture('constructed/go-runner-result.json');
    bad.start_time = 'yesterday';
    expect(() => resultFromSummary(bad)).toThrow(/^start_time: /);
  });
});

describe('invalid input', () => {
  it('names the JSON path at fault', () => {
    const data = fixture('handle-summary-p9999.json');
    data.metrics.http_reqs.values.count = 'many';
    expect(() => resultFromSummary(data)).toThrow('metrics.http_reqs.values.count: expected number, received string');
    const noReqs = fixture('handle-summary-p9999.json');
    delete noReqs.metrics.http_reqs;
    expect(() => resultFromSummary(noReqs)).toThrow(/^metrics\.http_reqs: missing/);
    const badType = fixture('handle-summary-p9999.json');
    badType.metrics.vus.type = 'histogram';
    expect(() => resultFromSummary(badType)).toThrow(/^metrics\.vus\.type: /);
    const badLlmux = fixture('constructed/handle-summary-streaming.json');
    badLlmux.llmux.start_time = 'noon';
    expect(() => resultFromSummary(badLlmux)).toThrow(/^llmux\.start_time: /);
    expect(() => resultFromSummary({ a: 1 })).toThrow(/^\(root\): not a k6 summary/);
  });

  it('refuses a negative time in every format, naming the JSON path (never 0)', () => {
    const handle = fixture('handle-summary-p9999.json');
    handle.metrics['http_req_duration{expected_response:true}'].values['p(99)'] = -5;
    expect(() => resultFromSummary(handle)).toThrow(
      new InputError('metrics.http_req_duration{expected_response:true}.values.p(99)', 'a time cannot be negative (got -5)'),
    );
    const machine = fixture('constructed/machine-readable-v1.json');
    machine.results.metrics[2].values.avg = -0.5;
    expect(() => resultFromSummary(machine)).toThrow('results.metrics.2.values.avg: a time cannot be negative (got -0.5)');
    const legacy = fixture('summary-export-legacy.json');
    legacy.metrics.http_req_duration['p(95)'] = -1;
    expect(() => resultFromSummary(legacy)).toThrow('metrics.http_req_duration.p(95): a time cannot be negative (got -1)');
    // Numbers that are no times may be below 0.
    const gauge = fixture('handle-summary-p9999.json');
    gauge.metrics.custom_delta = { type: 'gauge', contains: 'default', values: { value: -3, min: -3, max: -3 } };
    expect(resultFromSummary(gauge).result.latency_p99).toBeGreaterThan(0);
  });
});

describe('time helpers', () => {
  it('keeps nanoseconds in RFC 3339 arithmetic', () => {
    const a = epochNs('2026-11-28T06:00:00.123456789Z')!;
    const b = epochNs('2026-11-28T07:00:00.123456790+01:00')!;
    expect(b - a).toBe(1n);
    expect(formatEpochNs(a)).toBe('2026-11-28T06:00:00.123456789Z');
    expect(epochNs('not a time')).toBeNull();
  });
  it('converts ms to ns on the decimal digits', () => {
    expect(msToNs(0.0000005)).toBe(1);
    expect(msToNs(1.0000004)).toBe(1_000_000);
    expect(msToNs(1.0000005)).toBe(1_000_001);
    expect(msToNs(12345.678901)).toBe(12_345_678_901);
  });
});
