import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GroupTree } from './groups.ts';
import { MetricRegistry } from './registry.ts';
import { buildSummaryData, type SummaryData } from './summary.ts';
import { parseThresholds } from './thresholds.ts';

const fixture = JSON.parse(readFileSync(new URL('./testdata/handle-summary-p9999.json', import.meta.url), 'utf8'));
const sortedKeys = (o: object) => Object.keys(o).sort();

/** A small run shaped like the fixture's: HTTP requests, a check, two thresholds. */
function fixtureLikeRun(): SummaryData {
  const registry = new MetricRegistry();
  const groups = new GroupTree();
  const thresholds = parseThresholds({ http_req_duration: ['avg<150', 'p(95)<500'] });
  thresholds.attach(registry);
  registry.add('vus_max', 50, {});
  for (let i = 0; i < 100; i++) {
    const tags = { expected_response: 'true', status: '200', method: 'POST' };
    registry.add('vus', i < 50 ? i + 1 : 1, {});
    registry.add('http_reqs', 1, tags);
    for (const name of ['http_req_duration', 'http_req_blocked', 'http_req_connecting', 'http_req_tls_handshaking', 'http_req_sending', 'http_req_waiting', 'http_req_receiving']) {
      registry.add(name, 20 + i, tags);
    }
    registry.add('http_req_failed', 0, tags);
    registry.add('data_sent', 143, tags);
    registry.add('data_received', 22_000, tags);
    groups.recordCheck('', 'is status 200', true);
    registry.add('checks', 1, { check: 'is status 200' });
    registry.add('iterations', 1, {});
    registry.add('iteration_duration', 21 + i, {});
  }
  thresholds.evaluate(registry, 30_009.057334);
  return buildSummaryData(registry, {
    thresholds,
    groups,
    summaryTrendStats: fixture.options.summaryTrendStats,
    summaryTimeUnit: '',
    noColor: false,
    testRunDurationMs: 30_009.057334,
    isStdOutTTY: true,
    isStdErrTTY: true,
  });
}

describe('buildSummaryData', () => {
  const data = fixtureLikeRun();

  it('has the same keys as real k6 at every level', () => {
    expect(sortedKeys(data)).toEqual(sortedKeys(fixture));
    expect(sortedKeys(data.root_group)).toEqual(sortedKeys(fixture.root_group));
    expect(sortedKeys(data.root_group.checks[0])).toEqual(sortedKeys(fixture.root_group.checks[0]));
    expect(data.root_group.checks[0]).toEqual({ ...fixture.root_group.checks[0], passes: 100, fails: 0 });
    expect(data.root_group.id).toBe(fixture.root_group.id);
    expect(sortedKeys(data.options)).toEqual(sortedKeys(fixture.options));
    expect(data.options).toEqual(fixture.options);
    expect(sortedKeys(data.state)).toEqual(sortedKeys(fixture.state));
    expect(data.state).toEqual(fixture.state);
  });

  it('has each fixture metric with the same type, contains and value keys', () => {
    expect(sortedKeys(data.metrics)).toEqual(sortedKeys(fixture.metrics));
    for (const [name, want] of Object.entries<any>(fixture.metrics)) {
      const got = data.metrics[name];
      expect([name, got.type, got.contains]).toEqual([name, want.type, want.contains]);
      expect([name, ...sortedKeys(got.values)]).toEqual([name, ...sortedKeys(want.values)]);
      expect([name, sortedKeys(got)]).toEqual([name, sortedKeys(want)]);
    }
    expect(data.metrics['http_req_duration'].thresholds).toEqual({ 'avg<150': { ok: true }, 'p(95)<500': { ok: true } });
    // Trend values follow summaryTrendStats order.
    expect(Object.keys(data.metrics['http_req_duration'].values)).toEqual(fixture.options.summaryTrendStats);
  });

  it('computes the values as k6 does', () => {
    const m = data.metrics;
    expect(m.http_reqs.values).toEqual({ count: 100, rate: 100 / 30.009057334 });
    expect(m.vus.values).toEqual({ value: 1, min: 1, max: 50 });
    expect(m.checks.values).toEqual({ rate: 1, passes: 100, fails: 0 });
    expect(m.http_req_failed.values).toEqual({ rate: 0, passes: 0, fails: 100 });
    const d = m.http_req_duration.values;
    expect([d.count, d.min, d.max, d.avg]).toEqual([100, 20, 119, 69.5]);
    expect(Math.abs(d.med - 69.5)).toBeLessThan(0.05);
    expect(Math.abs(d['p(99.99)'] - 118.99)).toBeLessThan(0.06);
    expect(m['http_req_duration{expected_response:true}'].values).toEqual(d);
  });

  it('leaves out unobserved metrics, keeps threshold metrics without samples, adds setup_data', () => {
    const registry = new MetricRegistry();
    registry.define('llm_errors', 'counter');
    const thresholds = parseThresholds({ 'http_req_duration{plateau:100}': ['max>=0'] });
    registry.add('iterations', 1, {});
    const d = buildSummaryData(registry, { thresholds, testRunDurationMs: 1000, setupData: { start: 'x' } });
    expect(sortedKeys(d.metrics)).toEqual(['http_req_duration', 'http_req_duration{plateau:100}', 'iterations']);
    expect(d.metrics['http_req_duration{plateau:100}'].thresholds).toEqual({ 'max>=0': { ok: true } });
    expect(d.setup_data).toEqual({ start: 'x' });
    expect(d.options.summaryTrendStats).toEqual(['avg', 'min', 'med', 'max', 'p(90)', 'p(95)']);
    expect(Object.keys(d.metrics.http_req_duration.values)).toEqual(['avg', 'min', 'med', 'max', 'p(90)', 'p(95)']);
    expect('setup_data' in buildSummaryData(registry, { testRunDurationMs: 1 })).toBe(false);
  });
});
