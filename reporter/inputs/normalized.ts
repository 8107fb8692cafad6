// The one shape every k6 summary format is read into before it is mapped to a result: metrics by
// name with k6's value keys (count, rate, passes, fails, value, min, max, avg, med, p(N)),
// thresholds as {expression, ok}, checks as a flat list, and the run's timing facts.
import { z } from 'zod';

export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';

export interface NormMetric {
  type: MetricType;
  /** "time" values are milliseconds. */
  contains: string;
  values: Record<string, number>;
  /** null when the format does not carry thresholds. */
  thresholds: { expression: string; ok: boolean }[] | null;
}

export interface NormCheck {
  name: string;
  /** Group path, "" for the root group (k6 paths like "::group::sub" without the leading "::"). */
  group: string;
  passes: number;
  fails: number;
}

export type InputFormat = 'k6-handle-summary' | 'k6-summary-export' | 'k6-machine-readable' | 'llmux-result';

/** The `llmux` root key our scenarios add to k6's handleSummary data. */
export const LlmuxKeySchema = z
  .object({
    scenario: z.string().nullable(),
    name: z.string().nullable(),
    target: z.string().nullable(),
    endpoint: z.string().nullable(),
    model: z.string().nullable(),
    requests: z.number().nullable(),
    concurrency: z.number().nullable(),
    duration_s: z.number().nullable(),
    rate: z.number().nullable(),
    max_vus: z.number().nullable(),
    warmup_s: z.number().nullable(),
    max_tokens: z.number().nullable(),
    start_time: z.iso.datetime({ offset: true }).nullable(),
    end_time: z.iso.datetime({ offset: true }).nullable(),
    timing_source: z.string().nullable(),
  })
  .partial()
  .loose();
export type LlmuxKey = z.infer<typeof LlmuxKeySchema>;

export interface NormSummary {
  format: Exclude<InputFormat, 'llmux-result'>;
  metrics: Map<string, NormMetric>;
  /** Whole test run, from the format's own record (state.testRunDurationMs, config.duration). */
  testRunDurationMs: number | null;
  checks: NormCheck[] | null;
  llmux: LlmuxKey | null;
  /** When the summary was generated (machine-readable summary only). */
  generatedAt: string | null;
  k6Version: string | null;
}

/** Bad input: the JSON path at fault and what was wrong; the caller adds the file name. */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(path ? `${path}: ${detail}` : detail);
  }

  /** `<file>: <path>: <detail>` */
  inFile(file: string): string {
    return `${file}: ${this.message}`;
  }
}

/** Throws an InputError for the first zod issue, its path joined with dots. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  throw new InputError(path || '(root)', issue.message.replace(/^Invalid input: /, ''));
}

/** Metric values as numbers; a null value (k6 writes none, but tools may) counts as absent. */
export const ValuesSchema = z.record(z.string(), z.number().nullable()).transform((values) => {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(values)) if (value !== null) out[key] = value;
  return out;
});

export const MetricTypeSchema = z.enum(['counter', 'gauge', 'rate', 'trend']);

/** A time metric's value below 0, as `[key, value]` (a time is never negative), else null. */
export function negativeTime(contains: string, values: Record<string, number>): [string, number] | null {
  if (contains !== 'time') return null;
  for (const [key, value] of Object.entries(values)) if (value < 0) return [key, value];
  return null;
}

/** zod check for `{ contains, values }` metric objects: the issue's path is `values.<key>`. */
export function refineTimeValues(metric: { contains: string; values: Record<string, number> }, ctx: z.RefinementCtx): void {
  const bad = negativeTime(metric.contains, metric.values);
  if (bad) ctx.addIssue({ code: 'custom', path: ['values', bad[0]], message: `a time cannot be negative (got ${bad[1]})` });
}
