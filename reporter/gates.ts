// --fail-on regression gates: "p99:+10%,rps:-5%,error_rate:+0.5pp,ttft_p95:+5ms".
// `+N` fails when the metric rose by more than N against the reference run, `-N` when it fell by
// more than N; without a sign the limit is on the metric's worse direction. N is relative with `%`,
// in percentage points with `pp` (rates only), in time units (ns, us, ms, s) for latencies, in
// MB/MiB for memory, else in the metric's own unit.
import { formatDelta, formatValue, metricByName, type MetricDef } from './metrics.ts';

export interface Gate {
  /** As written, e.g. "p99:+10%". */
  text: string;
  metric: MetricDef;
  /** 'up' fails on a rise beyond the limit, 'down' on a fall beyond it. */
  side: 'up' | 'down';
  kind: 'relative' | 'absolute';
  /** Relative: a fraction (0.1 for 10%). Absolute: in the metric's stored unit (ns, ratio, bytes...). */
  limit: number;
}

export interface GateResult {
  gate: string;
  metric: string;
  ok: boolean;
  /** Reference and compared values, in the metric's stored unit. */
  from: number | null;
  to: number | null;
  /** One line for people. */
  message: string;
}

const TIME_UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9 };
const BYTE_UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1048576, GiB: 1073741824 };
const GATE = /^([a-z0-9_]+)\s*:\s*([+-])?\s*(\d+(?:\.\d+)?)\s*(%|pp|ns|us|µs|ms|s|B|KB|MB|GB|KiB|MiB|GiB)?$/;

/** Parses the --fail-on text; a mistake throws an Error whose message names the gate at fault. */
export function parseGates(spec: string): Gate[] {
  const parts = spec.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw new Error('expected gates like "p99:+10%,rps:-5%,error_rate:+0.5pp"');
  return parts.map(parseGate);
}

function parseGate(text: string): Gate {
  const match = GATE.exec(text);
  if (!match) throw new Error(`'${text}' is not a gate (expected metric:[+|-]N[%|pp|ms|...], e.g. p99:+10%)`);
  const [, name, sign, number, unit] = match;
  const metric = metricByName(name);
  if (!metric) throw new Error(`'${text}': unknown metric '${name}'`);
  const side = sign === '+' ? 'up' : sign === '-' ? 'down' : metric.better === 'lower' ? 'up' : 'down';
  const n = Number(number);
  if (unit === '%') return { text, metric, side, kind: 'relative', limit: n / 100 };
  if (unit === 'pp') {
    if (metric.unit !== 'ratio') throw new Error(`'${text}': pp (percentage points) only applies to rates such as error_rate`);
    return { text, metric, side, kind: 'absolute', limit: n / 100 };
  }
  if (unit && unit in TIME_UNITS) {
    if (metric.unit !== 'ns') throw new Error(`'${text}': a time unit only applies to latencies, not ${metric.key}`);
    return { text, metric, side, kind: 'absolute', limit: n * TIME_UNITS[unit] };
  }
  if (unit && unit in BYTE_UNITS) {
    if (metric.unit !== 'bytes') throw new Error(`'${text}': a size unit only applies to memory, not ${metric.key}`);
    return { text, metric, side, kind: 'absolute', limit: n * BYTE_UNITS[unit] };
  }
  if (metric.unit === 'ns') throw new Error(`'${text}': give a unit for a latency (%, ms, us, s or ns)`);
  return { text, metric, side, kind: 'absolute', limit: n };
}

/** Evaluates a gate on reference → compared. A statistic missing on either side fails the gate. */
export function evaluateGate(gate: Gate, from: number | null, to: number | null, fromLabel: string, toLabel: string): GateResult {
  const base = { gate: gate.text, metric: gate.metric.key, from, to };
  if (from === null || to === null) {
    const where = from === null ? fromLabel : toLabel;
    return { ...base, ok: false, message: `${gate.text}: cannot evaluate, ${gate.metric.key} was not measured in ${where}` };
  }
  const delta = to - from;
  let change: number;
  let changeText: string;
  if (gate.kind === 'relative') {
    change = from === 0 ? (delta === 0 ? 0 : delta > 0 ? Infinity : -Infinity) : delta / Math.abs(from);
    changeText = Number.isFinite(change) ? `${change >= 0 ? '+' : '−'}${Math.abs(change * 100).toFixed(2)}%` : `${delta > 0 ? '+' : '−'}∞%`;
  } else {
    change = delta;
    changeText = formatDelta(delta, gate.metric.unit);
  }
  const ok = gate.side === 'up' ? change <= gate.limit : change >= -gate.limit;
  const values = `${formatValue(from, gate.metric.unit)} → ${formatValue(to, gate.metric.unit)}`;
  return {
    ...base,
    ok,
    message: ok
      ? `${gate.text}: ok, ${gate.metric.key} ${changeText} (${values})`
      : `${gate.text}: FAILED, ${gate.metric.key} ${changeText} (${values}), ${toLabel} vs ${fromLabel}`,
  };
}
