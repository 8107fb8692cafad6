// No number without data: a statistic of a run where nothing succeeded is null on every input
// path, and failed requests keep their own latency. Engine fixtures are real runs against the mock
// (see fixtures/README.md); the rest are real or constructed k6 summaries edited in one place.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { overheadOf, resultFromSummary } from './from-summary.ts';
import type { Result } from './schema.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const ns = (ms: number) => Math.round(ms * 1e6);

const LATENCY = ['latency_min', 'latency_max', 'latency_mean', 'latency_p50', 'latency_p90', 'latency_p95', 'latency_p99'] as const;
const STREAM_TIMING = [
  'ttft_p50', 'ttft_p90', 'ttft_p95', 'ttft_p99', 'ttft_mean', 'itl_p50', 'itl_p95', 'itl_p99', 'itl_mean',
  'tokens_per_second_p50', 'tokens_per_second_mean',
] as const;

function expectNoLatency(result: Result): void {
  for (const key of LATENCY) expect(result[key], key).toBeNull();
}

describe('every request answered 502 (engine, basic, handleSummary)', () => {
  const data = fixture('engine/engine-basic-all-failed.summary.json');
  const { result, warnings } = resultFromSummary(data);

  it('has null latency, and the failed requests keep theirs', () => {
    expect([result.total_requests, result.success_requests, result.failed_requests]).toEqual([60, 0, 60]);
    expect(result.rps).toBe(0);
    expectNoLatency(result);
    const failed = data.metrics['http_req_duration{expected_response:false}'].values;
    expect(result.failed_latency_p50).toBe(ns(failed['p(50)']));
    expect(result.failed_latency_p99).toBe(ns(failed['p(99)']));
    expect(result.failed_latency_p50).toBe(28_852_224);
    expect(warnings).toContain('latency_*: null (no successful requests)');
  });

  it('has null overhead against a measured baseline, whichever side failed', () => {
    const { result: baseline } = resultFromSummary(fixture('engine/engine-basic.summary.json'));
    expect(overheadOf(result, baseline)).toEqual({
      latency_p50: null, latency_p90: null, latency_p95: null, latency_p99: null, latency_mean: null,
      ttft_p50: null, ttft_p95: null, ttft_p99: null,
    });
    expect(overheadOf(baseline, result).latency_p50).toBeNull();
    const { result: withBaseline } = resultFromSummary(data, { baseline });
    expect(withBaseline.overhead?.latency_p50).toBeNull();
    expect(withBaseline.overhead?.latency_p99).toBeNull();
  });

  it('gives the same nulls from the same run\'s legacy --summary-export', () => {
    const { result: legacy } = resultFromSummary(fixture('engine/engine-basic-all-failed.summary-export.json'));
    expect([legacy.total_requests, legacy.success_requests]).toEqual([60, 0]);
    expectNoLatency(legacy);
    expect(legacy.failed_latency_p50).toBe(28_852_224);
  });
});

describe('half the requests answered 503 (engine, basic)', () => {
  const data = fixture('engine/engine-basic-half-failed.summary.json');
  const { result, warnings } = resultFromSummary(data);
  it('reports successful latency and failed latency apart', () => {
    expect([result.success_requests, result.failed_requests]).toEqual([28, 32]);
    expect(result.latency_p50).toBe(ns(data.metrics['http_req_duration{expected_response:true}'].values['p(50)']));
    expect(result.failed_latency_p50).toBe(ns(data.metrics['http_req_duration{expected_response:false}'].values['p(50)']));
    expect(result.failed_latency_p99).toBe(ns(data.metrics['http_req_duration{expected_response:false}'].values['p(99)']));
    expect(result.failed_latency_p50).not.toBe(result.latency_p50);
    expect(warnings).toEqual([]);
  });
});

describe('every stream answered 200 with no content (engine, streaming, --tokens 0)', () => {
  // k6 counts each as an expected response (200), and stream_ok says 60 of 60; llm_errors counts
  // 60 bad_body failures: nothing succeeded, so nothing is timed.
  const data = fixture('engine/engine-streaming-empty.summary.json');
  const { result, warnings } = resultFromSummary(data);

  it('has null latency even though http_req_duration{expected_response:true} holds 60 samples', () => {
    expect(data.metrics['http_req_duration{expected_response:true}'].values.count).toBe(60);
    expect([result.success_requests, result.failed_requests, result.errors?.bad_body]).toEqual([0, 60, 60]);
    expectNoLatency(result);
  });

  it('has null TTFT, ITL and tokens/s', () => {
    for (const key of STREAM_TIMING) expect(result.streaming?.[key], key).toBeNull();
    expect(warnings).toContain('streaming ttft, itl, tokens_per_second: null (no successful streams)');
  });

  it('reads the empty failed-latency submetric (all zeros, count 0) as not measured', () => {
    expect(data.metrics['http_req_duration{expected_response:false}'].values).toMatchObject({ 'p(50)': 0, 'p(99)': 0, count: 0 });
    expect(result.failed_latency_p50).toBeNull();
    expect(result.failed_latency_p99).toBeNull();
  });

  it('gives the same nulls from the same run\'s legacy --summary-export', () => {
    const { result: legacy } = resultFromSummary(fixture('engine/engine-streaming-empty.summary-export.json'));
    expectNoLatency(legacy);
    for (const key of STREAM_TIMING) expect(legacy.streaming?.[key], key).toBeNull();
    expect(legacy.failed_latency_p99).toBeNull();
  });
});

describe('every stream cut after the headers (engine, streaming, --abort-rate 1)', () => {
  const { result } = resultFromSummary(fixture('engine/engine-streaming-cut.summary.json'));
  it('has null streaming timings and null latency; the cut requests keep their latency', () => {
    expect(result.errors?.connection).toBe(60);
    expectNoLatency(result);
    for (const key of STREAM_TIMING) expect(result.streaming?.[key], key).toBeNull();
    expect(result.failed_latency_p50).toBe(ns(60.407808));
  });
});

describe('k6 summaries that print an empty Trend as zeros', () => {
  it('ignores zero TTFT of a streaming run whose streams all failed (no count stat)', () => {
    const data = fixture('constructed/handle-summary-streaming.json');
    data.metrics.llm_errors.values.count = 1000;
    data.metrics.stream_ok.values = { rate: 0, passes: 0, fails: 1000 };
    for (const name of ['ttft', 'itl', 'tokens_per_second']) {
      data.metrics[name].values = { avg: 0, min: 0, med: 0, max: 0, 'p(50)': 0, 'p(90)': 0, 'p(95)': 0, 'p(99)': 0 };
    }
    const { result } = resultFromSummary(data);
    for (const key of STREAM_TIMING) expect(result.streaming?.[key], key).toBeNull();
    expectNoLatency(result);
  });

  it('reads a Trend with count 0 as not measured, on its own', () => {
    const data = fixture('constructed/handle-summary-streaming.json');
    data.metrics.itl.values = { avg: 0, min: 0, med: 0, max: 0, 'p(50)': 0, 'p(90)': 0, 'p(95)': 0, 'p(99)': 0, count: 0 };
    const { result } = resultFromSummary(data);
    expect(result.streaming?.itl_p50).toBeNull();
    expect(result.streaming?.itl_p99).toBeNull();
    expect(result.streaming?.ttft_p50).toBe(50_200_000);
  });

  it('reads an all-zero failed-latency submetric without counts as empty', () => {
    const data = fixture('constructed/handle-summary-streaming.json');
    delete data.metrics.http_req_failed;
    data.metrics['http_req_duration{expected_response:false}'].values = { avg: 0, min: 0, med: 0, max: 0, 'p(50)': 0, 'p(90)': 0, 'p(95)': 0, 'p(99)': 0 };
    const { result } = resultFromSummary(data);
    expect(result.failed_requests).toBe(12);
    expect(result.failed_latency_p50).toBeNull();
  });

  it('keeps a measured failed latency from the constructed streaming summary', () => {
    const { result } = resultFromSummary(fixture('constructed/handle-summary-streaming.json'));
    expect(result.failed_latency_p50).toBe(1_250_000);
    expect(result.failed_latency_p99).toBe(30_000_450_000);
  });

  it('says when a run with failures has no failed-latency submetric', () => {
    const data = fixture('constructed/summary-export-full.json');
    const { result, warnings } = resultFromSummary(data);
    expect(result.failed_latency_p50).toBeNull();
    expect(warnings).toContain('failed_latency_*: null (no http_req_duration{expected_response:false} in the summary)');
  });
});

describe('machine-readable summary of a run where everything failed', () => {
  it('has null latency although the submetric shows numbers', () => {
    const data = fixture('constructed/machine-readable-v1.json');
    const failed = data.results.metrics.find((m: { name: string }) => m.name === 'http_req_failed');
    failed.values = { matches: 1500, total: 1500, rate: 1 };
    const { result } = resultFromSummary(data);
    expect(result.success_requests).toBe(0);
    expectNoLatency(result);
  });
});

describe('concurrency plateaus', () => {
  it('has null latency on a plateau where every request failed', () => {
    const data = fixture('engine/engine-concurrency-plateaus.summary.json');
    const vus = 20;
    data.metrics[`llm_errors{plateau:${vus}}`] = { type: 'counter', contains: 'default', values: { count: data.metrics[`http_reqs{plateau:${vus}}`].values.count, rate: 1 } };
    const { result } = resultFromSummary(data);
    const plateau = result.plateaus!.find((p) => p.vus === vus)!;
    expect(plateau.error_rate).toBe(1);
    expect([plateau.latency_p50, plateau.latency_p95, plateau.latency_p99]).toEqual([null, null, null]);
    expect(plateau.rps).toBe(0);
    expect(result.plateaus!.find((p) => p.vus === 2)!.latency_p50).not.toBeNull();
  });
});
