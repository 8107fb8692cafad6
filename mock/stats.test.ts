import { afterEach, describe, expect, it } from 'vitest';
import { MicrosHistogram } from './histogram.ts';
import { mergeSnapshots, MockStats } from './stats.ts';
import { startMockServer, type RunningMock } from './server.ts';

let running: RunningMock[] = [];
afterEach(async () => {
  await Promise.all(running.map((m) => m.close()));
  running = [];
});

describe('MicrosHistogram', () => {
  it('is exact below 1024 µs and within 0.2% above, up to 71 minutes', () => {
    for (const v of [0, 1, 7, 999, 1023]) {
      const h = new MicrosHistogram();
      h.record(v);
      expect(h.quantile(0.5)).toBe(v);
    }
    for (const v of [1024, 1500, 99_999, 150_000, 2_000_000, 3_600_000_000]) {
      const h = new MicrosHistogram();
      h.record(v);
      h.record(2 * v); // the maximum caps nothing at the median
      const p50 = h.quantile(0.5);
      expect(p50).toBeGreaterThanOrEqual(v);
      expect((p50 - v) / v).toBeLessThanOrEqual(1 / 512);
    }
    const h = new MicrosHistogram();
    h.record(1e12);
    expect(h.maxUs).toBe(2 ** 32 - 1);
    expect(h.quantile(1)).toBe(2 ** 32 - 1);
  });

  it('quantiles stay right for chunks more than 100 ms late (the old 0.1 ms x 1000 buckets put them all at max)', () => {
    const stats = new MockStats();
    // 101 chunks, 100 ms .. 600 ms late in 5 ms steps: p50 is 350 ms, p99 595 ms, max 600 ms.
    for (let i = 0; i <= 100; i++) stats.recordLateness(100 + 5 * i);
    const l = stats.toJSON().chunk_lateness_ms as Record<string, number>;
    expect(l.count).toBe(101);
    expect(Math.abs(l.p50 - 350) / 350).toBeLessThanOrEqual(1 / 512);
    expect(Math.abs(l.p99 - 595) / 595).toBeLessThanOrEqual(1 / 512);
    expect(l.max).toBe(600);
    expect(stats.toPrometheus()).toContain('llmux_mock_chunk_lateness_seconds_sum 35.35\n');
  });

  it('merged snapshots give the quantiles of all the values together, and summed counters', () => {
    const [a, b, all] = [new MockStats(), new MockStats(), new MockStats()];
    for (let i = 0; i < 1000; i++) {
      const ms = (i * 7919) % 500;
      (i % 3 === 0 ? a : b).recordLateness(ms);
      all.recordLateness(ms);
    }
    a.requestsTotal = 5;
    b.requestsTotal = 7;
    a.countKey('POST /v1/chat/completions 200');
    b.countKey('POST /v1/chat/completions 200');
    b.countKey('GET /stats 200');
    const merged = mergeSnapshots([a.snapshot(), b.snapshot()]);
    const json = all.toJSON(merged);
    expect(json.chunk_lateness_ms).toEqual(all.toJSON().chunk_lateness_ms);
    expect(json).toMatchObject({ requests_total: 12, workers: 2, by_route: { 'GET /stats 200': 1, 'POST /v1/chat/completions 200': 2 } });
  });
});

describe('chunk_lateness_ms from the real mock', () => {
  it('an event loop blocked for 400 ms: p50 is about half the lateness, not the maximum', async () => {
    const mock = await startMockServer({ port: 0, latencyMs: 0, itlMs: 10, tokens: 41 });
    running.push(mock);
    const res = await fetch(`${mock.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    // The first chunk is out; block the loop (as a busy mock would be) while 40 chunks fall due.
    const until = performance.now() + 400;
    while (performance.now() < until);
    await res.text();
    const l = ((await (await fetch(`${mock.url}/stats`)).json()) as Record<string, Record<string, number>>).chunk_lateness_ms;
    expect(l.count).toBe(41);
    // Chunks due 10, 20, ..., 400 ms after the block began all leave when it ends: about 390 .. 0 ms late.
    expect(l.max).toBeGreaterThanOrEqual(370);
    expect(l.p50).toBeGreaterThan(150);
    expect(l.p50).toBeLessThan(l.max - 100);
  });
});
