import { describe, expect, it } from 'vitest';
import { MetricRegistry } from './registry.ts';
import { parseThresholds } from './thresholds.ts';

describe('parseThresholds', () => {
  it('accepts strings and the object form', () => {
    const th = parseThresholds({
      http_req_duration: ['p(95)<500', { threshold: 'avg<200', abortOnFail: true, delayAbortEval: '10s' }],
      'http_req_duration{expected_response:true}': [{ threshold: 'max<1000' }],
    });
    expect(th.size).toBe(2);
    const [a, b] = th.sets[0].thresholds;
    expect([a.source, a.abortOnFail, a.delayAbortEvalMs]).toEqual(['p(95)<500', false, null]);
    expect([b.source, b.abortOnFail, b.delayAbortEvalMs]).toEqual(['avg<200', true, 10_000]);
    expect(parseThresholds(undefined).size).toBe(0);
  });

  it('names the metric and expression in errors', () => {
    expect(() => parseThresholds({ http_req_duration: ['p(95)<<500'] })).toThrow(
      `invalid threshold on metric "http_req_duration": failed parsing threshold expression's "p(95)<<500" right hand side; reason: "<500" is not a number`,
    );
    expect(() => parseThresholds({ http_req_duration: 'p(95)<500' })).toThrow(
      'invalid threshold on metric "http_req_duration": expected an array of threshold expressions, got string',
    );
    expect(() => parseThresholds({ checks: [{ threshold: 'rate>0.9', abortOnFail: 'yes' }] })).toThrow(
      'invalid threshold on metric "checks": "abortOnFail" of "rate>0.9" must be a boolean, got string',
    );
    expect(() => parseThresholds({ checks: [{ threshold: 'rate>0.9', delayAbortEval: 'soon' }] })).toThrow(
      'invalid threshold on metric "checks": "delayAbortEval" of "rate>0.9" must be a duration like "10s", got "soon"',
    );
    expect(() => parseThresholds({ checks: [42] })).toThrow('invalid threshold on metric "checks": expected a string or {threshold, abortOnFail, delayAbortEval}, got number');
    expect(() => parseThresholds({ 'http_req_duration{a:1': ['avg<1'] })).toThrow(
      'invalid threshold on metric "http_req_duration{a:1": parsing metric name failed, metric "http_req_duration{a:1" has unmatched opening/close curly brace',
    );
    expect(() => parseThresholds(['avg<1'])).toThrow('invalid options.thresholds: expected an object of metric name → array of thresholds, got array');
  });
});

describe('Thresholds.attach', () => {
  it('refuses unknown metrics and aggregations the metric type lacks', () => {
    const r = new MetricRegistry();
    expect(() => parseThresholds({ nope: ['count>1'] }).attach(r)).toThrow('invalid threshold defined on nope; reason: no metric name "nope" found');
    expect(() => parseThresholds({ 'nope{a:b}': ['count>1'] }).attach(r)).toThrow('invalid threshold defined on nope{a:b}; reason: no metric name "nope" found');
    expect(() => parseThresholds({ http_req_duration: ['count>10'] }).attach(r)).toThrow(
      'invalid threshold "count>10" applied on metric http_req_duration; reason: unsupported aggregation method count on metric of type trend. ' +
        'supported aggregation methods for this metric are: avg, min, max, med, p',
    );
    expect(() => parseThresholds({ vus: ['rate>1'] }).attach(r)).toThrow('supported aggregation methods for this metric are: value');
    expect(() => parseThresholds({ http_req_failed: ['count>1'] }).attach(r)).toThrow('supported aggregation methods for this metric are: rate');
    expect(() => parseThresholds({ http_reqs: ['avg>1'] }).attach(r)).toThrow('supported aggregation methods for this metric are: count, rate');
  });

  it('creates submetrics so they collect samples from then on', () => {
    const r = new MetricRegistry();
    parseThresholds({ 'http_req_duration{plateau:100}': ['p(95)<500'] }).attach(r);
    r.add('http_req_duration', 5, { plateau: '100' });
    r.add('http_req_duration', 9, { plateau: '200' });
    const sub = r.get('http_req_duration{plateau:100}')!;
    expect(sub.sink.type === 'trend' && sub.sink.count).toBe(1);
  });
});

describe('Thresholds.evaluate', () => {
  it('passes and fails per expression on every metric type', () => {
    const r = new MetricRegistry();
    r.define('llm_errors', 'counter');
    const th = parseThresholds({
      http_req_duration: ['p(95)<500', 'avg<10', 'max<=100', 'min>=1', 'med<60'],
      http_reqs: ['count==4', 'rate>1'],
      http_req_failed: ['rate<0.5'],
      vus: ['value<5'],
      llm_errors: ['count<1'],
    });
    th.attach(r);
    for (const v of [1, 50, 60, 100]) {
      r.add('http_req_duration', v, {});
      r.add('http_reqs', 1, {});
    }
    r.add('http_req_failed', 1, {});
    r.add('http_req_failed', 0, {});
    r.add('vus', 3, {});
    const ev = th.evaluate(r, 2000);
    const byExpr = Object.fromEntries(ev.results.map((x) => [`${x.metric} ${x.threshold}`, x.ok]));
    expect(byExpr).toEqual({
      'http_req_duration p(95)<500': true,
      'http_req_duration avg<10': false,
      'http_req_duration max<=100': true,
      'http_req_duration min>=1': true,
      'http_req_duration med<60': true,
      'http_reqs count==4': true,
      'http_reqs rate>1': true,
      'http_req_failed rate<0.5': false,
      'vus value<5': true,
      'llm_errors count<1': true,
    });
    expect(ev.results.find((x) => x.threshold === 'rate>1')!.value).toBe(2);
    expect(ev.failed).toBe(true);
    expect(ev.abort).toBe(false);
    expect(ev.breached).toEqual(['http_req_duration', 'http_req_failed']);
    expect(r.get('http_req_duration')!.thresholds![1].lastFailed).toBe(true);
  });

  it('skips metrics without samples while running, fails an empty Rate at the end', () => {
    const r = new MetricRegistry();
    const th = parseThresholds({ checks: ['rate>0.9'], http_req_duration: ['p(95)<500'] });
    expect(th.evaluate(r, 1000, { final: false })).toEqual({ failed: false, abort: false, breached: [], results: [] });
    const final = th.evaluate(r, 1000);
    expect(final.results.map((x) => [x.metric, x.ok])).toEqual([
      ['checks', false],
      ['http_req_duration', true],
    ]);
  });

  it('aborts on an abortOnFail failure only after delayAbortEval, and stays aborted', () => {
    const r = new MetricRegistry();
    const th = parseThresholds({
      http_req_failed: [{ threshold: 'rate<0.1', abortOnFail: true, delayAbortEval: '10s' }],
    });
    r.add('http_req_failed', 1, {});
    expect(th.evaluate(r, 5_000, { final: false })).toMatchObject({ failed: true, abort: false });
    expect(th.evaluate(r, 10_000, { final: false })).toMatchObject({ failed: true, abort: false });
    expect(th.evaluate(r, 10_001, { final: false })).toMatchObject({ failed: true, abort: true });
    for (let i = 0; i < 100; i++) r.add('http_req_failed', 0, {});
    expect(th.evaluate(r, 12_000, { final: false })).toMatchObject({ failed: false, abort: true });
  });

  it('aborts at once without a delay; never without abortOnFail', () => {
    const r = new MetricRegistry();
    r.add('http_req_failed', 1, {});
    expect(parseThresholds({ http_req_failed: [{ threshold: 'rate<0.1', abortOnFail: true }] }).evaluate(r, 1).abort).toBe(true);
    expect(parseThresholds({ http_req_failed: ['rate<0.1'] }).evaluate(r, 1e9).abort).toBe(false);
  });

  it('lists thresholds for the NDJSON Metric line', () => {
    const th = parseThresholds({ checks: ['rate>0.9', { threshold: 'rate>0.5', abortOnFail: true, delayAbortEval: '5s' }] });
    th.attach(new MetricRegistry());
    expect(th.forOutput('checks')).toEqual(['rate>0.9', { threshold: 'rate>0.5', abortOnFail: true, delayAbortEval: '5s' }]);
    expect(th.forOutput('vus')).toEqual([]);
  });
});
