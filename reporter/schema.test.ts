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
