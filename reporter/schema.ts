// The LLMux result file: one zod definition. The first block is LLMux's Go runner format, field for
// field; everything after it is an addition, optional so an old Go-runner file still parses.
// Units: durations are integer nanoseconds, memory bytes, CPU percent of one core, rates per second.
// A statistic that was not measured is null, never 0.
import { z } from 'zod';

export const SCHEMA_VERSION = 1;

/** Integer nanoseconds (Go's time.Duration in JSON). */
const ns = () => z.number().int();
const nsStat = (what: string) => ns().nonnegative().nullable().describe(`${what}, integer nanoseconds; null when not measured`);
const count = () => z.number().int().nonnegative();
const rfc3339 = () => z.iso.datetime({ offset: true });
const optional = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

export const ERROR_KINDS = ['http_429', 'http_4xx', 'http_5xx', 'timeout', 'connection', 'bad_body'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export const EngineSchema = z.object({
  name: z.string().describe('"k6" or "embedded"'),
  version: z.string().nullable(),
});

export const ErrorsSchema = z
  .object(Object.fromEntries(ERROR_KINDS.map((kind) => [kind, count()])) as Record<ErrorKind, z.ZodNumber>)
  .catchall(count())
  .describe('failed requests by kind (from the llm_errors_<kind> counters)');

export const ChecksSchema = z.object({
  passes: count(),
  fails: count(),
  by_name: z
    .array(z.object({ name: z.string(), group: z.string(), passes: count(), fails: count() }))
    .optional()
    .describe('each check, with its group path ("" for the root group)'),
});

export const ThresholdSchema = z.object({
  metric: z.string(),
  expression: z.string(),
  ok: z.boolean(),
});

export const StreamingSchema = z.object({
  ttft_p50: nsStat('time to first token p50'),
  ttft_p90: nsStat('time to first token p90').optional(),
  ttft_p95: nsStat('time to first token p95'),
  ttft_p99: nsStat('time to first token p99'),
  ttft_mean: nsStat('time to first token mean').optional(),
  itl_p50: nsStat('inter-token latency p50'),
  itl_p95: nsStat('inter-token latency p95').optional(),
  itl_p99: nsStat('inter-token latency p99'),
  itl_mean: nsStat('inter-token latency mean').optional(),
  tokens_per_second_p50: z.number().nonnegative().nullable(),
  tokens_per_second_mean: z.number().nonnegative().nullable().optional(),
  output_tokens: count().nullable(),
  stream_ok_rate: z.number().min(0).max(1).nullable(),
});

export const LoadSchema = z.object({
  model: z.enum(['closed', 'open']).describe('closed = fixed VUs looping; open = arrival rate (constant-arrival-rate)'),
  offered_rps: z.number().nonnegative().nullable(),
  achieved_rps: z.number().nonnegative().nullable(),
  dropped_iterations: count().nullable(),
  warmup_seconds: z.number().nonnegative().nullable(),
});

export const MemorySchema = z.object({
  peak_rss_bytes: count().nullable(),
  avg_rss_bytes: count().nullable(),
  samples: count(),
  source: z.string().describe('what was sampled, e.g. "target-pid"'),
});

export const CpuSchema = z.object({
  avg_percent: z.number().nonnegative().nullable(),
  peak_percent: z.number().nonnegative().nullable(),
});

export const RigSchema = z.object({
  mock_cpu_peak_percent: z.number().nonnegative().nullable(),
  loadgen_cpu_peak_percent: z.number().nonnegative().nullable(),
  rig_saturated: z.boolean().nullable(),
});

/** target − baseline, integer ns (negative when the target was faster). */
export const OverheadSchema = z
  .object({
    latency_p50: ns().nullable(),
    latency_p95: ns().nullable(),
    latency_p99: ns().nullable(),
    ttft_p50: ns().nullable(),
  })
  .catchall(ns().nullable());

export const RepeatSchema = z.object({
  runs: z.number().int().positive(),
  rps_cov: z.number().nonnegative().nullable().describe('coefficient of variation of rps across the runs'),
});

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** Mock settings of the run; durations in ns. Extra settings (jitter, error rate, ...) allowed. */
export const MockSettingsSchema = z
  .object({
    latency: ns().nonnegative().nullable(),
    itl: ns().nonnegative().nullable(),
    tokens: count().nullable(),
    seed: z.number().int().nullable(),
  })
  .partial()
  .catchall(scalar);

export const EnvironmentSchema = z
  .object({
    cpu_model: z.string().nullable(),
    cores: z.number().int().positive().nullable(),
    os: z.string().nullable(),
    node: z.string().nullable(),
    k6: z.string().nullable(),
    pinning: z.string().nullable(),
  })
  .partial()
  .catchall(scalar);

/** Per-plateau numbers of the concurrency scenario (from `<metric>{plateau:<vus>}` submetrics). */
export const PlateauSchema = z.object({
  vus: z.number().int().positive(),
  total_requests: count().nullable(),
  failed_requests: count().nullable(),
  latency_p50: nsStat('p50'),
  latency_p95: nsStat('p95'),
  latency_p99: nsStat('p99'),
  error_rate: optional(z.number().min(0).max(1)).describe('failed_requests / total_requests of the plateau'),
  hold_seconds: optional(z.number().positive()).describe("length of the plateau's hold (from the scenario's plateau plan)"),
  rps: optional(z.number().nonnegative()).describe('successful requests started during the hold / hold_seconds'),
});

/** One rate step of a capacity sweep (`bench --sweep`). */
export const CapacityStepSchema = z.object({
  offered_rps: z.number().positive().describe('arrival rate the step offered (constant-arrival-rate)'),
  achieved_rps: z.number().nonnegative().nullable().describe('requests started per second in the measured part of the step'),
  p50_ms: z.number().nonnegative().nullable().describe('p50 latency of successful requests, ms; null when none succeeded'),
  p99_ms: z.number().nonnegative().nullable(),
  ttft_p99_ms: optional(z.number().nonnegative()).describe('streaming scenarios: p99 time to first token, ms'),
  error_rate: z.number().min(0).max(1).nullable(),
  dropped: count().nullable().describe('iterations the executor had no free VU for'),
  vus: count().nullable().describe('VUs the step could use (pre-allocated = max)'),
  ok: z.boolean().describe('true when the step met the SLO with no dropped iterations and no rig saturation'),
  failed_on: z.array(z.enum(['p99', 'errors', 'ttft_p99', 'dropped', 'rig', 'no-data'])).describe('why the step failed (empty when ok)'),
});

/** `bench --sweep`: the highest arrival rate the run sustained within the latency SLO. */
export const CapacitySchema = z.object({
  max_rps_within_slo: z.number().positive().nullable().describe('highest offered rate of a passing step; null when no step passed'),
  slo: z.object({
    p99_ms: z.number().positive(),
    error_rate: z.number().min(0).max(1),
    ttft_p99_ms: z.number().positive().nullable(),
    source: z.string().describe('where the p99 bound came from, e.g. "--slo-p99" or "2x the baseline p99 at 10 rps"'),
  }),
  limited_by: z.enum(['target', 'rig', 'max-rate']).nullable().describe('what ended the sweep: the target breaking the SLO, the rig, or --max-rate'),
  step_duration_s: z.number().positive(),
  steps: z.array(CapacityStepSchema).describe('in the order they ran'),
});

export const ResultSchema = z
  .object({
    // LLMux Go runner fields (same names, same units).
    name: z.string().min(1),
    target: z.string(),
    start_time: rfc3339().nullable().describe('RFC 3339; null only when the input carried no time'),
    end_time: rfc3339().nullable(),
    duration: ns().nonnegative().nullable().describe('wall time of the run, integer nanoseconds'),
    requests: count().nullable().describe('requests asked for (0 when the run was bounded by duration)'),
    concurrency: count().nullable(),
    total_requests: count(),
    success_requests: count().nullable().describe('null only when the input did not say which requests failed'),
    failed_requests: count().nullable(),
    rps: z.number().nonnegative().nullable().describe('success_requests / wall seconds'),
    latency_min: nsStat('min latency of successful requests'),
    latency_max: nsStat('max latency of successful requests'),
    latency_mean: nsStat('mean latency of successful requests'),
    latency_p50: nsStat('p50 latency of successful requests'),
    latency_p95: nsStat('p95 latency of successful requests'),
    latency_p99: nsStat('p99 latency of successful requests'),

    // Additions.
    schema_version: z.literal(SCHEMA_VERSION).optional(),
    scenario: optional(z.string()),
    engine: optional(EngineSchema),
    latency_p90: optional(ns().nonnegative()),
    error_rate: optional(z.number().min(0).max(1)).describe('failed_requests / total_requests'),
    errors: optional(ErrorsSchema),
    checks: optional(ChecksSchema),
    thresholds: optional(z.array(ThresholdSchema)),
    streaming: optional(StreamingSchema).describe('null for non-streaming scenarios'),
    load: optional(LoadSchema),
    memory: optional(MemorySchema),
    cpu: optional(CpuSchema),
    rig: optional(RigSchema),
    baseline_file: optional(z.string()),
    overhead: optional(OverheadSchema),
    repeat: optional(RepeatSchema),
    mock: optional(MockSettingsSchema),
    environment: optional(EnvironmentSchema),
    partial: optional(z.boolean()).describe('true when the run was interrupted and the numbers cover only what ran'),
    plateaus: optional(z.array(PlateauSchema)),
    points_file: optional(z.string()).describe('k6 NDJSON points file of the run (for time series in HTML reports)'),
    source: optional(
      z.object({ format: z.string(), file: z.string().nullable() }).describe('what the result was converted from'),
    ),
    warnings: optional(z.array(z.string())).describe('what the conversion could not measure or had to derive'),
    capacity: optional(CapacitySchema).describe('capacity sweep (bench --sweep); the other fields are those of the best passing step'),
  })
  // Unknown keys are kept, so a file from a newer writer passes through unchanged.
  .loose();

export type Result = z.infer<typeof ResultSchema>;
export type Streaming = z.infer<typeof StreamingSchema>;
export type Threshold = z.infer<typeof ThresholdSchema>;
export type Plateau = z.infer<typeof PlateauSchema>;
export type Capacity = z.infer<typeof CapacitySchema>;
export type CapacityStep = z.infer<typeof CapacityStepSchema>;

/** The JSON Schema of the result file (committed as reporter/result.schema.json). */
export function resultJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ResultSchema, { target: 'draft-2020-12' }),
    title: 'LLMux benchmark result',
  };
}

/** One line per problem: `<path>: <message>` (the first problems only). */
export function formatIssues(error: z.ZodError, limit = 5): string {
  return error.issues
    .slice(0, limit)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
