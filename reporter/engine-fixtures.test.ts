// Summaries produced by the embedded engine running the real scenarios against the mock.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectInput, resultFromSummary } from './from-summary.ts';
import { readPoints } from './points.ts';

const path = (name: string) => fileURLToPath(new URL(`./fixtures/engine/${name}`, import.meta.url));
const fixture = (name: string) => JSON.parse(readFileSync(path(name), 'utf8'));

describe.each(['basic', 'streaming', 'concurrency'])('engine-produced %s summary', (scenario) => {
  const data = fixture(`engine-${scenario}.summary.json`);
  const { result, warnings } = resultFromSummary(data);

  it('converts without warnings, every statistic measured', () => {
    expect(detectInput(data)).toBe('k6-handle-summary');
    expect(warnings).toEqual([]);
    expect(result.scenario).toBe(scenario);
    expect(result.name).toBe(`engine-${scenario}`);
    for (const key of ['latency_min', 'latency_max', 'latency_mean', 'latency_p50', 'latency_p90', 'latency_p95', 'latency_p99'] as const) {
      expect(Number.isInteger(result[key]), key).toBe(true);
    }
  });

  it('keeps the Go-runner invariants', () => {
    expect(result.total_requests).toBe(data.metrics.http_reqs.values.count);
    expect(result.success_requests! + result.failed_requests!).toBe(result.total_requests);
    expect(result.duration).toBe(Math.round(data.state.testRunDurationMs * 1e6));
    expect(result.rps).toBeCloseTo(result.success_requests! / (result.duration! / 1e9), 9);
    expect(result.latency_min!).toBeLessThanOrEqual(result.latency_p50!);
    expect(result.latency_p50!).toBeLessThanOrEqual(result.latency_p95!);
    expect(result.latency_p95!).toBeLessThanOrEqual(result.latency_p99!);
    expect(result.latency_p99!).toBeLessThanOrEqual(result.latency_max!);
    expect(result.latency_p99).toBe(Math.round(data.metrics['http_req_duration{expected_response:true}'].values['p(99)'] * 1e6));
    expect(result.start_time).toBe(data.llmux.start_time);
  });

  it('fills the scenario-specific blocks', () => {
    if (scenario === 'streaming') {
      expect(result.streaming).not.toBeNull();
      for (const [key, value] of Object.entries(result.streaming!)) expect(value, key).not.toBeNull();
      expect(result.streaming!.output_tokens).toBe(data.metrics.output_tokens.values.count);
    } else {
      expect(result.streaming).toBeNull();
    }
    if (scenario === 'concurrency') {
      const plateaus = result.plateaus!;
      expect(plateaus.map((p) => p.vus)).toEqual([1, 3, 5, 10]);
      expect(plateaus.reduce((a, p) => a + p.total_requests!, 0)).toBeLessThanOrEqual(result.total_requests);
      for (const p of plateaus) expect(p.failed_requests).toBe(data.metrics[`llm_errors{plateau:${p.vus}}`].values.count);
    } else {
      expect(result.plateaus).toBeNull();
    }
  });
});

describe('the same engine run through --summary-export and --out json', () => {
  const full = resultFromSummary(fixture('engine-basic.summary.json')).result;
  const legacy = resultFromSummary(fixture('basic.summary-export.json'));

  it('legacy export agrees with handleSummary data on what both carry', () => {
    expect(detectInput(fixture('basic.summary-export.json'))).toBe('k6-summary-export');
    expect(legacy.result.total_requests).toBe(full.total_requests);
    expect(legacy.result.failed_requests).toBe(full.failed_requests);
    expect(legacy.result.latency_p95).toBe(full.latency_p95);
    expect(legacy.result.latency_p99).toBe(full.latency_p99);
    // The export has no run duration: derived from count / rate, within a microsecond.
    expect(Math.abs(legacy.result.duration! - full.duration!)).toBeLessThan(1000);
    expect(legacy.warnings).toContain('duration: derived from http_reqs count / rate (the summary has no test run duration)');
  });

  it('legacy export of a streaming run infers the custom metrics\' types and units', () => {
    const streaming = resultFromSummary(fixture('engine-streaming.summary.json')).result;
    const legacyStreaming = resultFromSummary(fixture('streaming.summary-export.json')).result;
    expect(legacyStreaming.streaming).toEqual(streaming.streaming);
    expect(legacyStreaming.latency_p99).toBe(streaming.latency_p99);
  });

  it('points file totals match the summary', async () => {
    const series = await readPoints(path('basic.ndjson.gz'));
    expect(series.totals.requests).toBe(full.total_requests);
    expect(series.totals.errors).toBe(full.failed_requests);
    expect(series.stats.bad_lines).toBe(0);
    expect(series.stats.json_parse_lines).toBe(0);
    // HDR histogram (3 significant digits) against k6's exact percentile.
    expect(Math.abs(series.totals.latency_p50! - full.latency_p50!) / full.latency_p50!).toBeLessThan(0.01);
  });
});
