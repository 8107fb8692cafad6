import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { schemaText, SCHEMA_FILE } from './gen-schema.ts';
import { ResultSchema } from './schema.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

describe('result schema', () => {
  it('the committed JSON Schema is generated from the zod schema (run `npm run schema` if this fails)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(schemaText());
  });

  it('parses a Go-runner result with only the first block', () => {
    const go = fixture('constructed/go-runner-result.json');
    expect(ResultSchema.parse(go)).toEqual(go);
  });

  it('requires integer nanoseconds and RFC 3339 times in the Go block', () => {
    const go = fixture('constructed/go-runner-result.json');
    expect(ResultSchema.safeParse({ ...go, latency_p50: 51.5 }).success).toBe(false);
    expect(ResultSchema.safeParse({ ...go, start_time: '2025-06-01 10:00:00' }).success).toBe(false);
    expect(ResultSchema.safeParse({ ...go, total_requests: -1 }).success).toBe(false);
    expect(ResultSchema.safeParse({ ...go, schema_version: 2 }).success).toBe(false);
  });

  it('keeps unknown keys (a newer writer) and accepts null for unmeasured statistics', () => {
    const go = fixture('constructed/go-runner-result.json');
    const parsed = ResultSchema.parse({ ...go, latency_p99: null, future_field: { x: 1 }, streaming: null, memory: null });
    expect(parsed.latency_p99).toBeNull();
    expect((parsed as Record<string, unknown>).future_field).toEqual({ x: 1 });
  });
});

describe('truthful-result fields', () => {
  const go = () => fixture('constructed/go-runner-result.json');
  const full = () => ({
    ...go(),
    latency_min: null,
    latency_max: null,
    latency_mean: null,
    latency_p50: null,
    latency_p95: null,
    latency_p99: null,
    latency_p90: null,
    failed_latency_p50: 1_200_000,
    failed_latency_p99: 9_000_000,
    error_samples: [{ kind: 'http_5xx', status: 502, count: 10_000, body: 'Bad Gateway' }],
    target_log: 'results/gw_20260101.target.log',
    partial_reason: 'stopped at --max-duration 10m',
    load: { model: 'closed', offered_rps: null, achieved_rps: 0, dropped_iterations: 0, warmup_seconds: 30, warmup_stabilised: false },
    rig: {
      mock_cpu_peak_percent: 0,
      loadgen_cpu_peak_percent: 12,
      rig_saturated: false,
      placement: { pinned: true, loadgen_cpus: '1', target_cpus: '0', mock_cpus: '0' },
    },
    streaming: {
      ttft_p50: null,
      ttft_p95: null,
      ttft_p99: null,
      itl_p50: null,
      itl_p99: null,
      tokens_per_second_p50: null,
      output_tokens: null,
      stream_ok_rate: 0,
      usage_mismatch: 3,
    },
    overhead: { latency_p50: null, latency_p95: null, latency_p99: null, ttft_p50: null },
  });

  it('accepts the new fields and nulls for every statistic', () => {
    const parsed = ResultSchema.parse(full());
    expect(parsed.failed_latency_p99).toBe(9_000_000);
    expect(parsed.error_samples).toEqual([{ kind: 'http_5xx', status: 502, count: 10_000, body: 'Bad Gateway' }]);
    expect(parsed.rig?.placement).toEqual({ pinned: true, loadgen_cpus: '1', target_cpus: '0', mock_cpus: '0' });
    expect(parsed.load?.warmup_stabilised).toBe(false);
    expect(parsed.streaming?.usage_mismatch).toBe(3);
    expect(parsed.latency_p50).toBeNull();
  });

  it('refuses an error sample body over 300 bytes (counted in UTF-8) and a negative count', () => {
    const sample = { kind: 'http_5xx', status: 502, count: 1, body: 'é'.repeat(151) };
    expect(ResultSchema.safeParse({ ...full(), error_samples: [sample] }).success).toBe(false);
    expect(ResultSchema.safeParse({ ...full(), error_samples: [{ ...sample, body: 'é'.repeat(150) }] }).success).toBe(true);
    expect(ResultSchema.safeParse({ ...full(), error_samples: [{ ...sample, body: 'x', count: -1 }] }).success).toBe(false);
    expect(ResultSchema.safeParse({ ...full(), error_samples: [{ ...sample, body: 'x', status: null }] }).success).toBe(true);
  });
});
