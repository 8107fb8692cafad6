// Summaries produced by the embedded engine running the real scenarios against the mock.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectInput, measuredName, resultFromSummary } from './from-summary.ts';
import { readPoints } from './points.ts';
import { compareResults } from './compare.ts';
import { epochNs } from './time.ts';

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
      // A buffered stream has no per-token times: TPOT is not measured.
      expect(result.streaming!.timing_source).toBe('k6-buffered');
      // The fixture predates the usage_mismatch counter: not measured there.
      for (const [key, value] of Object.entries(result.streaming!)) if (!key.startsWith('tpot_') && key !== 'usage_mismatch') expect(value, key).not.toBeNull();
      expect([result.streaming!.tpot_p50, result.streaming!.tpot_p99]).toEqual([null, null]);
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

describe('warm-up inside the run (WARMUP=1, streaming, 40 requests after the warm-up)', () => {
  const data = fixture('engine-streaming-warmup.summary.json');
  const m = (name: string) => data.metrics[name].values;
  const { result, warnings } = resultFromSummary(data);

  it('counts only the measured requests, over the measured time', () => {
    expect(m('http_reqs').count).toBeGreaterThan(40); // the plain metric includes the warm-up
    expect(result.total_requests).toBe(40);
    expect(result.success_requests).toBe(40);
    expect(result.failed_requests).toBe(0);
    expect(result.error_rate).toBe(0);
    const measuredNs = Math.round(data.state.testRunDurationMs * 1e6) - 1e9;
    expect(result.duration).toBe(measuredNs);
    expect(result.rps).toBeCloseTo(40 / (measuredNs / 1e9), 9);
    expect(result.load).toMatchObject({ model: 'closed', warmup_seconds: 1, achieved_rps: result.rps });
  });

  it('reads every headline statistic from the {phase:measure} submetrics', () => {
    const ns = (ms: number) => Math.round(ms * 1e6);
    const ok = m('http_req_duration{expected_response:true,phase:measure}');
    expect(result.latency_p50).toBe(ns(ok['p(50)']));
    expect(result.latency_p99).toBe(ns(ok['p(99)']));
    expect(result.latency_max).toBe(ns(ok.max));
    expect(result.latency_max).not.toBe(ns(m('http_req_duration{expected_response:true}').max));
    expect(result.streaming).toMatchObject({
      ttft_p50: ns(m('ttft{phase:measure}')['p(50)']),
      itl_p99: ns(m('itl{phase:measure}')['p(99)']),
      tokens_per_second_p50: m('tokens_per_second{phase:measure}')['p(50)'],
      output_tokens: m('output_tokens{phase:measure}').count,
      stream_ok_rate: 1,
    });
    expect(result.streaming!.output_tokens).toBeLessThan(m('output_tokens').count);
    expect(result.checks).toEqual({ passes: m('checks{phase:measure}').passes, fails: 0 });
    expect(result.errors).toEqual({ http_429: 0, http_4xx: 0, http_5xx: 0, timeout: 0, connection: 0, bad_body: 0 });
    expect(warnings).toEqual(['checks.by_name: omitted (per-check counts include the warm-up; passes and fails are the measured ones)']);
  });

  it('reads measured errors by kind, and says when a measured submetric is missing', () => {
    const copy = structuredClone(data);
    copy.metrics['llm_errors_http_5xx{phase:measure}'].values.count = 3;
    copy.metrics['llm_errors{phase:measure}'].values.count = 3;
    delete copy.metrics['itl{phase:measure}'];
    const { result: r, warnings: w } = resultFromSummary(copy);
    expect(r.errors!.http_5xx).toBe(3);
    expect(r.failed_requests).toBe(3);
    expect(r.error_rate).toBe(3 / 40);
    expect(r.streaming!.itl_p99).toBe(Math.round(m('itl')['p(99)'] * 1e6));
    expect(w).toContain('itl: includes the warm-up (no itl{phase:measure} in the summary)');
  });

  it('without llmux.warmup_s the measured time is unknown: duration and rps null', () => {
    const copy = structuredClone(data);
    delete copy.llmux.warmup_s;
    const { result: r, warnings: w } = resultFromSummary(copy);
    expect(r.total_requests).toBe(40);
    expect([r.duration, r.rps]).toEqual([null, null]);
    expect(w).toContain('duration: null (measured {phase:measure} numbers, but the warm-up length is unknown: no llmux.warmup_s); rps is null');
  });

  it('start_time is the start of the measured phase, so end_time − start_time is the duration', () => {
    expect(epochNs(result.start_time!)! - epochNs(data.llmux.start_time)!).toBe(1_000_000_000n);
    expect(Number(epochNs(result.end_time!)! - epochNs(result.start_time!)!)).toBe(result.duration);
  });

  it('counts dropped iterations of the measured phase only, or says the number includes the warm-up', () => {
    const open = structuredClone(data);
    open.llmux.rate = 20;
    open.metrics.dropped_iterations = { type: 'counter', contains: 'default', values: { count: 12, rate: 10 } };
    open.metrics['dropped_iterations{phase:measure}'] = { type: 'counter', contains: 'default', values: { count: 5, rate: 4 }, thresholds: { 'count>=0': { ok: true } } };
    expect(resultFromSummary(open).result.load).toMatchObject({ model: 'open', offered_rps: 20, dropped_iterations: 5 });
    delete open.metrics['dropped_iterations{phase:measure}'];
    const whole = resultFromSummary(open);
    expect(whole.result.load!.dropped_iterations).toBe(12);
    expect(whole.warnings).toContain('load.dropped_iterations: includes the warm-up (no dropped_iterations{phase:measure} in the summary)');
  });

  it('leaves the always-true thresholds that only show submetrics out of the result', () => {
    expect(result.thresholds).toEqual([
      { metric: 'checks{phase:measure}', expression: 'rate>0.99', ok: true },
      { metric: 'http_req_failed{phase:measure}', expression: 'rate<0.01', ok: true },
    ]);
    // The same expression failing is no placeholder: it stays.
    const odd = structuredClone(data);
    odd.metrics['ttft{phase:measure}'].thresholds['max>=0'].ok = false;
    expect(resultFromSummary(odd).result.thresholds).toContainEqual({ metric: 'ttft{phase:measure}', expression: 'max>=0', ok: false });
  });

  it('measuredName adds the phase tag after the selector\'s own tags', () => {
    expect(measuredName('http_reqs')).toBe('http_reqs{phase:measure}');
    expect(measuredName('http_req_duration{expected_response:true}')).toBe('http_req_duration{expected_response:true,phase:measure}');
  });
});

describe('concurrency plateaus (DURATION=8, CONCURRENCY=20)', () => {
  const data = fixture('engine-concurrency-plateaus.summary.json');
  const { result, warnings } = resultFromSummary(data);

  it('one entry per plateau, sorted by vus, with requests, errors, rps over the hold and latency', () => {
    expect(warnings).toEqual([]);
    const plateaus = result.plateaus!;
    expect(plateaus.map((p) => p.vus)).toEqual([2, 5, 10, 20]);
    for (const p of plateaus) {
      const count = data.metrics[`http_reqs{plateau:${p.vus}}`].values.count;
      const failed = data.metrics[`llm_errors{plateau:${p.vus}}`].values.count;
      const lat = data.metrics[`http_req_duration{plateau:${p.vus}}`].values;
      // 8 s over 4 plateaus: 0.5 s ramp + 1.5 s hold each.
      expect(p).toEqual({
        vus: p.vus,
        total_requests: count,
        failed_requests: failed,
        error_rate: failed / count,
        hold_seconds: 1.5,
        rps: (count - failed) / 1.5,
        latency_p50: Math.round(lat['p(50)'] * 1e6),
        latency_p95: Math.round(lat['p(95)'] * 1e6),
        latency_p99: Math.round(lat['p(99)'] * 1e6),
      });
    }
    // Requests started while ramping belong to no plateau.
    expect(plateaus.reduce((a, p) => a + p.total_requests!, 0)).toBeLessThan(result.total_requests);
  });

  it('records 0 requests asked for: the scenario is bound by time and ignores REQUESTS', () => {
    expect(data.llmux.requests).toBe(10000);
    expect(result.requests).toBe(0);
    // Same kind of run as the runner writes it: --strict finds no difference in requests.
    const viaBench = resultFromSummary(data, { name: 'via-bench', requests: 0 }).result;
    expect(compareResults([result, viaBench], { strict: true }).mismatches).toEqual([]);
  });

  it('rps is null, with a reason, when the plateaus are not the plan of the recorded settings', () => {
    const copy = structuredClone(data);
    copy.llmux.concurrency = 40;
    const { result: r, warnings: w } = resultFromSummary(copy);
    expect(r.plateaus!.map((p) => p.rps)).toEqual([null, null, null, null]);
    expect(w).toEqual(['plateaus[].rps: null (plateaus 2, 5, 10, 20 are not the plan for concurrency 40: 4, 10, 20, 40)']);
  });
});

describe('requests asked for', () => {
  const requestsOf = (name: string, change: (llmux: Record<string, unknown>) => void = () => {}, meta = {}) => {
    const copy = fixture(name);
    change(copy.llmux);
    return resultFromSummary(copy, meta).result.requests;
  };

  it('is REQUESTS for a run bounded by count, 0 for one bounded by time', () => {
    expect(requestsOf('engine-basic.summary.json')).toBe(200);
    expect(requestsOf('engine-basic.summary.json', (l) => (l.duration_s = 5))).toBe(0);
    // The concurrency scenario ramps through its plateau plan whatever DURATION is.
    expect(requestsOf('engine-concurrency.summary.json')).toBe(0);
  });

  it('is what the caller says when it says', () => {
    expect(requestsOf('engine-basic.summary.json', (l) => (l.duration_s = 5), { requests: 300 })).toBe(300);
  });
});
