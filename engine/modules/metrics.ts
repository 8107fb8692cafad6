// `k6/metrics`: custom Counter, Gauge, Rate and Trend backed by the engine's metric registry.
import type { Metric, MetricType } from '../metrics/index.ts';
import { currentRun, type TestRun } from '../runtime.ts';
import { currentStore, type VuStore } from '../vu.ts';

abstract class CustomMetric {
  readonly name: string;
  private readonly metric: Metric;

  constructor(type: MetricType, name: string, isTime = false) {
    const run = currentRun();
    if (run.phase !== 'init') throw new Error(`metric '${name}': custom metrics can only be created in the init context`);
    this.name = name;
    this.metric = run.registry.define(name, type, Boolean(isTime));
  }

  protected record(value: number, tags?: Record<string, string>): boolean {
    const run = currentRun();
    if (run.phase === 'init') throw new Error(`metric '${this.name}': samples cannot be added in the init context`);
    recordCustom(run, currentStore(), this.metric, value, tags);
    return true;
  }
}

/** One sample of a custom metric for the VU of `store` (worker VUs' samples come through here). */
export function recordCustom(run: TestRun, store: VuStore | undefined, metric: Metric, value: number, tags?: Record<string, unknown>): void {
  const base = run.tagsFor(store);
  run.add(metric, value, tags ? { ...base, ...stringTags(tags) } : base, store);
}

function stringTags(tags: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(tags)) out[key] = String(tags[key]);
  return out;
}

const toNumber = (value: unknown): number => (typeof value === 'boolean' ? (value ? 1 : 0) : Number(value));

export class Counter extends CustomMetric {
  constructor(name: string) {
    super('counter', name);
  }
  add(value: number, tags?: Record<string, string>): boolean {
    return this.record(toNumber(value), tags);
  }
}

export class Gauge extends CustomMetric {
  constructor(name: string) {
    super('gauge', name);
  }
  add(value: number, tags?: Record<string, string>): boolean {
    return this.record(toNumber(value), tags);
  }
}

export class Rate extends CustomMetric {
  constructor(name: string) {
    super('rate', name);
  }
  /** Any truthy value counts as a pass (k6: non-zero numbers and true). */
  add(value: unknown, tags?: Record<string, string>): boolean {
    return this.record(value ? 1 : 0, tags);
  }
}

export class Trend extends CustomMetric {
  constructor(name: string, isTime = false) {
    super('trend', name, isTime);
  }
  add(value: number, tags?: Record<string, string>): boolean {
    return this.record(toNumber(value), tags);
  }
}

export default { Counter, Gauge, Rate, Trend };
