// k6's handleSummary(data) object (from k6 or the embedded engine), optionally with our `llmux` key.
import { z } from 'zod';
import {
  LlmuxKeySchema,
  MetricTypeSchema,
  parseOrThrow,
  refineTimeValues,
  ValuesSchema,
  type NormCheck,
  type NormMetric,
  type NormSummary,
} from './normalized.ts';

interface Group {
  name: string;
  path: string;
  groups: Group[];
  checks: { name: string; path?: string; passes: number; fails: number }[];
}

const CheckSchema = z.object({ name: z.string(), path: z.string().optional(), passes: z.number().int().nonnegative(), fails: z.number().int().nonnegative() }).loose();
const GroupSchema: z.ZodType<Group> = z.lazy(() =>
  z
    .object({
      name: z.string(),
      path: z.string().default(''),
      groups: z.array(GroupSchema).default([]),
      checks: z.array(CheckSchema).default([]),
    })
    .loose(),
) as z.ZodType<Group>;

const MetricSchema = z
  .object({
    type: MetricTypeSchema,
    contains: z.string().default('default'),
    values: ValuesSchema,
    thresholds: z.record(z.string(), z.object({ ok: z.boolean() }).loose()).optional(),
  })
  .loose()
  .superRefine(refineTimeValues);

export const HandleSummarySchema = z
  .object({
    root_group: GroupSchema.optional(),
    options: z.object({ summaryTrendStats: z.array(z.string()).optional() }).loose().optional(),
    state: z.object({ testRunDurationMs: z.number().nonnegative().optional() }).loose().optional(),
    metrics: z.record(z.string(), MetricSchema),
    llmux: LlmuxKeySchema.optional(),
  })
  .loose();

export function isHandleSummary(json: Record<string, unknown>): boolean {
  const metrics = json.metrics;
  if (!metrics || typeof metrics !== 'object' || Array.isArray(metrics)) return false;
  const entries = Object.values(metrics as Record<string, unknown>);
  if (entries.length === 0) return 'state' in json || 'options' in json || 'llmux' in json;
  return entries.some((m) => m !== null && typeof m === 'object' && 'values' in m && 'type' in m);
}

export function readHandleSummary(json: unknown): NormSummary {
  const data = parseOrThrow(HandleSummarySchema, json);
  const metrics = new Map<string, NormMetric>();
  for (const [name, metric] of Object.entries(data.metrics)) {
    metrics.set(name, {
      type: metric.type,
      contains: metric.contains,
      values: metric.values,
      thresholds: Object.entries(metric.thresholds ?? {}).map(([expression, t]) => ({ expression, ok: t.ok })),
    });
  }
  return {
    format: 'k6-handle-summary',
    metrics,
    testRunDurationMs: data.state?.testRunDurationMs ?? null,
    checks: data.root_group ? flattenChecks(data.root_group) : null,
    llmux: data.llmux ?? null,
    generatedAt: null,
    k6Version: null,
  };
}

/** Checks of a group and its subgroups, each with its group path ("" at the root). */
export function flattenChecks(group: Group, out: NormCheck[] = []): NormCheck[] {
  const groupPath = group.path.replace(/^::/, '');
  for (const check of group.checks) out.push({ name: check.name, group: groupPath, passes: check.passes, fails: check.fails });
  for (const child of group.groups) flattenChecks(child, out);
  return out;
}
