import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GroupTree } from './groups.ts';
import { formatLegacySummaryExport, toLegacySummaryExport } from './legacy-export.ts';
import { MetricRegistry } from './registry.ts';
import { buildSummaryData } from './summary.ts';
import { parseThresholds } from './thresholds.ts';

const legacy = JSON.parse(readFileSync(new URL('./testdata/summary-export-legacy.json', import.meta.url), 'utf8'));
const sortedKeys = (o: object) => Object.keys(o).sort();

function run() {
  const registry = new MetricRegistry();
  const groups = new GroupTree();
  const thresholds = parseThresholds({ http_req_duration: ['p(95)<500', 'max<1'] });
  thresholds.attach(registry);
  for (let i = 1; i <= 10; i++) {
    for (const n of ['http_req_duration', 'http_req_sending', 'http_req_waiting', 'http_req_receiving']) registry.add(n, i, { expected_response: 'true' });
    registry.add('http_reqs', 1, {});
    registry.add('http_req_failed', i === 10 ? 1 : 0, {});
    groups.recordCheck('', 'login status is 200', true);
    groups.recordCheck('::browse', 'page ok', i % 2 === 0);
  }
  thresholds.evaluate(registry, 10_000);
  const data = buildSummaryData(registry, {
    thresholds,
    groups,
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'],
    testRunDurationMs: 10_000,
    setupData: { token: 'x' },
  });
  return { data, out: toLegacySummaryExport(data) };
}

describe('toLegacySummaryExport', () => {
  const { data, out } = run();

  it('has the legacy keys and no options/state', () => {
    expect(sortedKeys(out)).toEqual(['metrics', 'root_group', 'setup_data']);
    expect(sortedKeys(out.root_group)).toEqual(sortedKeys(legacy.root_group));
    expect(out.root_group.checks['login status is 200']).toEqual({
      ...legacy.root_group.checks['login status is 200'],
      passes: 10,
      fails: 0,
    });
    const browse = out.root_group.groups.browse;
    expect(browse.path).toBe('::browse');
    expect(browse.checks['page ok']).toMatchObject({ passes: 5, fails: 5, path: '::browse::page ok' });
    expect(out.setup_data).toEqual({ token: 'x' });
  });

  it('flattens metrics like the fixture, thresholds true when failed', () => {
    for (const [name, want] of Object.entries<any>(legacy.metrics)) {
      expect([name, ...sortedKeys(out.metrics[name])]).toEqual([name, ...sortedKeys(want)]);
    }
    expect(out.metrics.http_req_duration.thresholds).toEqual({ 'p(95)<500': false, 'max<1': true });
    expect(out.metrics.http_req_failed).toEqual({ value: 0.1, passes: 1, fails: 9 });
    expect(out.metrics.http_reqs).toEqual({ count: 10, rate: 1 });
    // the handleSummary data is left untouched
    expect(data.metrics.http_req_failed.values).toEqual({ rate: 0.1, passes: 1, fails: 9 });
    expect(JSON.parse(formatLegacySummaryExport(data))).toEqual(out);
    expect(formatLegacySummaryExport(data)).toContain('\n    "root_group"');
  });
});
