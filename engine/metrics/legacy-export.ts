// The `--summary-export FILE` shape (k6's summary-wrapper.js oldJSONSummary): no options/state,
// each metric flattened to its values, Rate `rate` renamed `value`, thresholds as
// {expr: true when FAILED}, groups and checks keyed by name.
import type { CheckData, GroupData } from './groups.ts';
import type { SummaryData } from './summary.ts';

export interface LegacyGroup {
  name: string;
  path: string;
  id: string;
  groups: Record<string, LegacyGroup>;
  checks: Record<string, CheckData>;
}

export type LegacyMetric = Record<string, number | Record<string, boolean>>;

export interface LegacySummaryExport {
  root_group: LegacyGroup;
  metrics: Record<string, LegacyMetric>;
  setup_data?: unknown;
}

function legacyGroup(group: GroupData): LegacyGroup {
  return {
    name: group.name,
    path: group.path,
    id: group.id,
    groups: Object.fromEntries(group.groups.map((g) => [g.name, legacyGroup(g)])),
    checks: Object.fromEntries(group.checks.map((c) => [c.name, { ...c }])),
  };
}

export function toLegacySummaryExport(data: SummaryData): LegacySummaryExport {
  const metrics: Record<string, LegacyMetric> = {};
  for (const [name, metric] of Object.entries(data.metrics)) {
    const flat: LegacyMetric = { ...metric.values };
    if (metric.type === 'rate' && 'rate' in flat) {
      flat.value = flat.rate;
      delete flat.rate;
    }
    if (metric.thresholds && Object.keys(metric.thresholds).length > 0) {
      flat.thresholds = Object.fromEntries(Object.entries(metric.thresholds).map(([expr, t]) => [expr, !t.ok]));
    }
    metrics[name] = flat;
  }
  const out: LegacySummaryExport = { root_group: legacyGroup(data.root_group), metrics };
  if (data.setup_data !== undefined) out.setup_data = JSON.parse(JSON.stringify(data.setup_data));
  return out;
}

/** The file text k6 writes: 4-space indented JSON. */
export function formatLegacySummaryExport(data: SummaryData): string {
  return JSON.stringify(toLegacySummaryExport(data), null, 4);
}
