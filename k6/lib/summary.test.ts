import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { streamTimings } from './stream-timing.ts';
import { summaryOutputs, type SummaryData } from './summary.ts';
import { renderTextSummary } from './summary-text.ts';

// A published handleSummary object of a real k6 run (50 VUs, 30 s).
const FIXTURE = JSON.parse(
  readFileSync(new URL('./testdata/handle-summary-p9999.json', import.meta.url), 'utf8'),
) as SummaryData;

describe('summaryOutputs', () => {
  const config = parseConfig(
    {
      NAME: 'gw',
      OUTPUT: 'out/',
      API_KEY: 'sk-very-secret',
      HEADERS: '{"X-Secret-Header":"hidden-value"}',
      REQUESTS: '200',
      CONCURRENCY: '10',
      WARMUP: '2',
      MAX_TOKENS: '16',
    },
    'streaming',
  );
  const data: SummaryData = { ...FIXTURE, setup_data: { start_time: '2026-11-28T06:00:00.000Z', run_id: 'abc' } };
  const outputs = summaryOutputs(data, config, new Date('2026-11-28T06:00:31.500Z'));

  it('writes ${OUTPUT}/${NAME}.summary.json and stdout', () => {
    expect(Object.keys(outputs).sort()).toEqual(['out/gw.summary.json', 'stdout']);
  });

  it('keeps k6 data and adds one llmux key', () => {
    const json = JSON.parse(outputs['out/gw.summary.json']);
    expect(Object.keys(json).sort()).toEqual([...Object.keys(data), 'llmux'].sort());
    expect(json.metrics).toEqual(FIXTURE.metrics);
    expect(json.llmux).toEqual({
      scenario: 'streaming',
      name: 'gw',
      target: 'http://localhost:3000',
      endpoint: '/v1/chat/completions',
      model: 'gpt-4o',
      requests: 200,
      concurrency: 10,
      duration_s: 0,
      rate: null,
      max_vus: null,
      warmup_s: 2,
      max_tokens: 16,
      start_time: '2026-11-28T06:00:00.000Z',
      end_time: '2026-11-28T06:00:31.500Z',
    });
  });

  it('never contains the API key or header values', () => {
    for (const text of Object.values(outputs)) {
      expect(text).not.toContain('sk-very-secret');
      expect(text).not.toContain('hidden-value');
    }
  });

  it('start_time is null when setup data is missing', () => {
    const out = summaryOutputs(FIXTURE, config, new Date(0));
    expect(JSON.parse(out['out/gw.summary.json']).llmux.start_time).toBeNull();
  });

  it('reports the arrival-rate model', () => {
    const rateConfig = parseConfig({ RATE: '20', MAX_VUS: '50', DURATION: '10s' }, 'basic');
    const json = JSON.parse(summaryOutputs(FIXTURE, rateConfig, new Date(0))['results/benchmark.summary.json']);
    expect(json.llmux).toMatchObject({ rate: 20, max_vus: 50, concurrency: 50, duration_s: 10 });
  });
});

describe('renderTextSummary', () => {
  it('prints checks, thresholds and trends of real k6 data', () => {
    const text = renderTextSummary(FIXTURE);
    expect(text).toContain('ran 30.0s');
    expect(text).toContain('✓ is status 200');
    expect(text).toContain('17044 passed, 0 failed');
    expect(text).toContain('✓ http_req_duration: p(95)<500');
    expect(text).toMatch(/http_req_duration\s+43\.54ms/);
    expect(text).toMatch(/checks\s+100\.00%\s+\(17044 of 17044\)/);
    expect(text).toMatch(/http_reqs\s+17044\s+568\.0\/s/);
    expect(text).toMatch(/http_req_waiting\s+8\.70ms\s+8\.24ms\s+-/);
    // No ANSI colours: the text goes to files and CI logs.
    expect(text).not.toMatch(/\u001b\[/);
  });

  it('hides always-true display thresholds and marks failures', () => {
    const data: SummaryData = {
      metrics: {
        'http_req_duration{plateau:10}': { type: 'trend', contains: 'time', values: { avg: 1500, max: 2000 }, thresholds: { 'max>=0': { ok: true } } },
        http_req_failed: { type: 'rate', contains: 'default', values: { rate: 0.5, passes: 1, fails: 1 }, thresholds: { 'rate<0.01': { ok: false } } },
        data_received: { type: 'counter', contains: 'data', values: { count: 2_500_000, rate: 10 } },
        vus: { type: 'gauge', contains: 'default', values: { value: 3, min: 1, max: 5 } },
      },
    };
    const text = renderTextSummary(data);
    expect(text).not.toContain('max>=0');
    expect(text).toContain('✗ http_req_failed: rate<0.01');
    expect(text).toContain('1.50s');
    expect(text).toContain('2.5 MB');
    expect(text).toMatch(/vus\s+3 {2}min 1 {2}max 5/);
  });
});

it('lists plateaus in numeric order', () => {
  const trend = { type: 'trend' as const, contains: 'time' as const, values: { avg: 1 } };
  const text = renderTextSummary({
    metrics: { 'http_req_duration{plateau:100}': trend, 'http_req_duration{plateau:25}': trend, 'http_req_duration{plateau:250}': trend },
  });
  expect(text.indexOf('plateau:25}')).toBeLessThan(text.indexOf('plateau:100}'));
  expect(text.indexOf('plateau:100}')).toBeLessThan(text.indexOf('plateau:250}'));
});

describe('streamTimings', () => {
  it('TTFT = waiting, ITL = receiving / (chunks - 1), tokens/s over the whole stream', () => {
    expect(streamTimings({ waiting: 50, receiving: 190, duration: 240.5 }, 20, 20)).toEqual({
      ttftMs: 50,
      durationMs: 240.5,
      itlMs: 10,
      tokensPerSecond: 20 / 0.2405,
    });
  });

  it('no ITL from a single chunk, no tokens/s without tokens', () => {
    expect(streamTimings({ waiting: 5, receiving: 0, duration: 5 }, 1, 1)).toMatchObject({ itlMs: null, tokensPerSecond: 200 });
    expect(streamTimings({ waiting: 5, receiving: 0, duration: 5 }, 0, 0)).toMatchObject({ itlMs: null, tokensPerSecond: null });
  });
});
