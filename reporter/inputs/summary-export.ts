// k6's legacy `--summary-export FILE`: no options/state, each metric flattened to its values (Rate's
// `rate` renamed `value`), thresholds `{"expr": true}` where true means FAILED, groups and checks
// keyed by name. The metric type is not written, so it is inferred from k6's built-ins or the keys.
import { z } from 'zod';
import { InputError, negativeTime, parseOrThrow, type MetricType, type NormCheck, type NormMetric, type NormSummary } from './normalized.ts';

const BUILTIN_TYPES: Record<string, MetricType> = {
  http_reqs: 'counter', iterations: 'counter', data_received: 'counter', data_sent: 'counter', dropped_iterations: 'counter',
  vus: 'gauge', vus_max: 'gauge', http_req_failed: 'rate', checks: 'rate',
};
const TIME_TRENDS = /^(http_req_(duration|blocked|connecting|tls_handshaking|sending|waiting|receiving)|iteration_duration|group_duration)(\{|$)/;

interface LegacyGroup {
  name?: string;
  path?: string;
  groups?: Record<string, LegacyGroup>;
  checks?: Record<string, { name?: string; path?: string; passes: number; fails: number }>;
}

const CheckSchema = z.object({ name: z.string().optional(), path: z.string().optional(), passes: z.number().int().nonnegative(), fails: z.number().int().nonnegative() }).loose();
const GroupSchema: z.ZodType<LegacyGroup> = z.lazy(() =>
  z
    .object({
      name: z.string().optional(),
      path: z.string().optional(),
      groups: z.record(z.string(), GroupSchema).optional(),
      checks: z.record(z.string(), CheckSchema).optional(),
    })
    .loose(),
) as z.ZodType<LegacyGroup>;

const MetricSchema = z
  .object({ thresholds: z.record(z.string(), z.boolean()).optional() })
  .catchall(z.number().nullable());

export const SummaryExportSchema = z
  .object({ root_group: GroupSchema.optional(), metrics: z.record(z.string(), MetricSchema) })
  .loose();

export function isSummaryExport(json: Record<string, unknown>): boolean {
  const metrics = json.metrics;
  if (!metrics || typeof metrics !== 'object' || Array.isArray(metrics) || 'state' in json || 'options' in json) return false;
  const entries = Object.values(metrics as Record<string, unknown>);
  return entries.length > 0 && entries.every((m) => m !== null && typeof m === 'object' && !('values' in m));
}

export function readSummaryExport(json: unknown): NormSummary {
  const data = parseOrThrow(SummaryExportSchema, json);
  const metrics = new Map<string, NormMetric>();
  for (const [name, raw] of Object.entries(data.metrics)) {
    const { thresholds, ...rest } = raw;
    const values: Record<string, number> = {};
    for (const [key, value] of Object.entries(rest)) if (typeof value === 'number') values[key] = value;
    const type = BUILTIN_TYPES[name.replace(/\{.*$/, '')] ?? inferType(values);
    if (!type) throw new InputError(`metrics.${name}`, `cannot tell the metric type from keys ${JSON.stringify(Object.keys(values))}`);
    if (type === 'rate' && 'value' in values) {
      values.rate = values.value;
      delete values.value;
    }
    const contains = type === 'trend' && (TIME_TRENDS.test(name) || !/tokens|count|bytes/.test(name)) ? 'time' : 'default';
    const bad = negativeTime(contains, values);
    if (bad) throw new InputError(`metrics.${name}.${bad[0]}`, `a time cannot be negative (got ${bad[1]})`);
    metrics.set(name, {
      type,
      contains,
      values,
      // Legacy export: true means the threshold FAILED.
      thresholds: Object.entries(thresholds ?? {}).map(([expression, failed]) => ({ expression, ok: !failed })),
    });
  }
  return {
    format: 'k6-summary-export',
    metrics,
    testRunDurationMs: null,
    checks: data.root_group ? flattenLegacyChecks(data.root_group) : null,
    llmux: null,
    generatedAt: null,
    k6Version: null,
  };
}

function inferType(values: Record<string, number>): MetricType | null {
  const keys = Object.keys(values);
  if (keys.some((k) => k === 'avg' || k === 'med' || k.startsWith('p('))) return 'trend';
  if ('passes' in values || 'fails' in values) return 'rate';
  if ('count' in values) return 'counter';
  if ('value' in values) return 'gauge';
  return null;
}

function flattenLegacyChecks(group: LegacyGroup, out: NormCheck[] = []): NormCheck[] {
  const groupPath = (group.path ?? '').replace(/^::/, '');
  for (const [key, check] of Object.entries(group.checks ?? {})) {
    out.push({ name: check.name ?? key, group: groupPath, passes: check.passes, fails: check.fails });
  }
  for (const child of Object.values(group.groups ?? {})) flattenLegacyChecks(child, out);
  return out;
}
