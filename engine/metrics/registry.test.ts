import { describe, expect, it } from 'vitest';
import { BUILTIN_METRICS, DEFAULT_SUBMETRIC, MetricRegistry } from './registry.ts';

describe('MetricRegistry', () => {
  it('defines every k6 built-in with its type and value kind', () => {
    const r = new MetricRegistry();
    const expected: Record<string, [string, string]> = {
      http_reqs: ['counter', 'default'],
      http_req_duration: ['trend', 'time'],
      http_req_blocked: ['trend', 'time'],
      http_req_connecting: ['trend', 'time'],
      http_req_tls_handshaking: ['trend', 'time'],
      http_req_sending: ['trend', 'time'],
      http_req_waiting: ['trend', 'time'],
      http_req_receiving: ['trend', 'time'],
      http_req_failed: ['rate', 'default'],
      iterations: ['counter', 'default'],
      iteration_duration: ['trend', 'time'],
      vus: ['gauge', 'default'],
      vus_max: ['gauge', 'default'],
      data_sent: ['counter', 'data'],
      data_received: ['counter', 'data'],
      checks: ['rate', 'default'],
      dropped_iterations: ['counter', 'default'],
      group_duration: ['trend', 'time'],
    };
    for (const [name, [type, contains]] of Object.entries(expected)) {
      const m = r.get(name)!;
      expect([m.name, m.type, m.contains]).toEqual([name, type, contains]);
      expect(m.observed).toBe(false);
    }
    expect(BUILTIN_METRICS.length).toBe(Object.keys(expected).length);
    expect(r.get(DEFAULT_SUBMETRIC)!.sub!.parent.name).toBe('http_req_duration');
  });

  it('define is idempotent and refuses type clashes with k6 messages', () => {
    const r = new MetricRegistry();
    const a = r.define('ttft', 'trend', true);
    expect(r.define('ttft', 'trend', true)).toBe(a);
    expect(() => r.define('ttft', 'counter')).toThrow("metric 'ttft' already exists but with type trend, instead of counter");
    expect(() => r.define('ttft', 'trend')).toThrow("metric 'ttft' already exists but with a value type time, instead of default");
    expect(() => r.define('http_reqs', 'trend')).toThrow("metric 'http_reqs' already exists but with type counter, instead of trend");
    expect(() => r.define('1bad', 'counter')).toThrow("Invalid metric name: '1bad'.");
    expect(() => r.define('x', 'counter')).toThrow("Invalid metric name: 'x'.");
    expect(r.define('bytes_out', 'counter', 'data').contains).toBe('data');
  });

  it('add updates the sink, marks the metric observed and rejects unknown names', () => {
    const r = new MetricRegistry();
    r.add('http_reqs', 1, {});
    r.add('http_reqs', 1, {});
    const m = r.get('http_reqs')!;
    expect(m.sink.type === 'counter' && m.sink.count).toBe(2);
    expect(m.observed).toBe(true);
    expect(() => r.add('nope', 1, {})).toThrow("unknown metric 'nope'");
    r.add('http_reqs', Number.NaN, {});
    r.add('http_reqs', Number.POSITIVE_INFINITY, {});
    expect(m.sink.type === 'counter' && m.sink.count).toBe(2);
    expect(r.invalidSamples).toBe(2);
  });

  it('feeds the expected_response submetric only with matching samples', () => {
    const r = new MetricRegistry();
    r.add('http_req_duration', 10, { expected_response: 'true', status: '200' });
    r.add('http_req_duration', 500, { expected_response: 'false', status: '500' });
    r.add('http_req_duration', 20, { status: '200' });
    const parent = r.get('http_req_duration')!;
    const sub = r.get('http_req_duration{expected_response:true}')!;
    expect(parent.sink.type === 'trend' && parent.sink.count).toBe(3);
    expect(sub.sink.type === 'trend' && [sub.sink.count, sub.sink.max]).toEqual([1, 10]);
    expect(sub.observed).toBe(true);
  });

  it('addSubmetric matches every listed tag, trims quotes and reuses equal tag sets', () => {
    const r = new MetricRegistry();
    const a = r.addSubmetric('http_req_duration{plateau:100,scenario:main}');
    expect(a.name).toBe('http_req_duration{plateau:100,scenario:main}');
    expect(r.addSubmetric("http_req_duration{ scenario:'main', plateau:\"100\" }")).toBe(a);
    expect(r.addSubmetric('http_req_duration')).toBe(r.get('http_req_duration'));
    r.add('http_req_duration', 1, { plateau: '100', scenario: 'main', status: '200' });
    r.add('http_req_duration', 2, { plateau: '100' });
    r.add('http_req_duration', 3, { plateau: '1000', scenario: 'main' });
    expect(a.sink.type === 'trend' && a.sink.count).toBe(1);
    expect(a.sub!.matches({ plateau: '100', scenario: 'main' })).toBe(true);
    expect(a.sub!.matches({ plateau: '100' })).toBe(false);
    expect(() => r.addSubmetric('nope{a:b}')).toThrow("metric 'nope' does not exist in the script");
    expect(() => r.addSubmetric('http_req_duration{a:b')).toThrow('unmatched opening/close curly brace');
    expect(() => r.addSubmetric('http_req_duration{a}')).toThrow('tag expression "a" is malformed');
    expect(() => r.addSubmetric('http_req_duration{a:b}x')).toThrow('lacks a closing curly brace in its last position');
  });

  it('calls sample listeners with the metric, value, tags and time; unsubscribes', () => {
    const r = new MetricRegistry();
    const seen: unknown[] = [];
    const off = r.onSample((m, v, tags, t) => seen.push([m.name, v, tags, t]));
    r.add('vus', 5, { scenario: 'a' }, 1234.5);
    r.add('http_req_duration', 7, { expected_response: 'true' }, 99);
    expect(seen).toEqual([
      ['vus', 5, { scenario: 'a' }, 1234.5],
      ['http_req_duration', 7, { expected_response: 'true' }, 99],
    ]);
    const before = Date.now();
    r.add('vus', 6, {});
    expect((seen[2] as number[])[3]).toBeGreaterThanOrEqual(before);
    off();
    r.add('vus', 7, {});
    expect(seen.length).toBe(3);
  });
});
