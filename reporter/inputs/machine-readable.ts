// k6's machine-readable summary (v1.5+, `--new-machine-readable-summary`):
// {version, metadata{generatedAt, k6Version}, config{execution, script, duration (s)},
//  results{metrics: [{name, type, contains, values}], checks{metrics, results|orderedChecks}}}.
// Rate values are {rate, passes, fails} in grafana/k6-summary's schema and {matches, total, rate}
// in some k6 builds; both are read. There are no thresholds in this format.
import { z } from 'zod';
import { MetricTypeSchema, parseOrThrow, refineTimeValues, ValuesSchema, type NormMetric, type NormSummary } from './normalized.ts';

const MetricSchema = z
  .object({ name: z.string(), type: MetricTypeSchema, contains: z.string().default('default'), values: ValuesSchema })
  .loose()
  .superRefine(refineTimeValues);
const CheckSchema = z.object({ name: z.string(), passes: z.number().int().nonnegative(), fails: z.number().int().nonnegative() }).loose();

export const MachineReadableSchema = z
  .object({
    version: z.string(),
    metadata: z.object({ generatedAt: z.iso.datetime({ offset: true }).optional(), k6Version: z.string().optional() }).loose(),
    config: z.object({ execution: z.string().optional(), script: z.string().optional(), duration: z.number().nonnegative().optional() }).loose(),
    results: z
      .object({
        metrics: z.array(MetricSchema),
        checks: z
          .object({ results: z.array(CheckSchema).optional(), orderedChecks: z.array(CheckSchema).optional() })
          .loose()
          .optional(),
      })
      .loose(),
  })
  .loose();

export function isMachineReadable(json: Record<string, unknown>): boolean {
  const results = json.results as Record<string, unknown> | undefined;
  return typeof json.version === 'string' && !!results && typeof results === 'object' && Array.isArray(results.metrics);
}

export function readMachineReadable(json: unknown): NormSummary {
  const data = parseOrThrow(MachineReadableSchema, json);
  const metrics = new Map<string, NormMetric>();
  for (const metric of data.results.metrics) {
    const values = { ...metric.values };
    if (metric.type === 'rate' && 'matches' in values && !('passes' in values)) {
      values.passes = values.matches;
      if ('total' in values) values.fails = values.total - values.matches;
    }
    metrics.set(metric.name, { type: metric.type, contains: metric.contains, values, thresholds: null });
  }
  const list = data.results.checks?.results ?? data.results.checks?.orderedChecks;
  return {
    format: 'k6-machine-readable',
    metrics,
    testRunDurationMs: data.config.duration !== undefined ? data.config.duration * 1000 : null,
    checks: list ? list.map((c) => ({ name: c.name, group: '', passes: c.passes, fails: c.fails })) : null,
    llmux: null,
    generatedAt: data.metadata.generatedAt ?? null,
    k6Version: data.metadata.k6Version ?? null,
  };
}
