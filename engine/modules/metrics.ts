// `k6/metrics`: custom Counter, Gauge, Rate and Trend backed by the engine's metric registry.
import type { Metric, MetricType } from '../metrics/index.ts';
import { currentRun, type TestRun } from '../runtime.ts';
import { engineLog } from '../script-console.ts';
import { currentStore, type VuStore } from '../vu.ts';
import { metricValue } from './pure.ts';

abstract class CustomMetric {
  readonly name: string;
  private readonly metric: Metric;

  constructor(type: MetricType, name: string, isTime = false) {
    const run = currentRun();
    if (run.phase !== 'init') throw new Error(`metric '${name}': custom metrics can only be created in the init context`);
    this.name = name;
    this.metric = run.registry.define(name, type, Boolean(isTime));
  }

  protected record(raw: unknown, tags?: Record<string, string>): boolean {
    const run = currentRun();
    if (run.phase === 'init') throw new Error(`metric '${this.name}': samples cannot be added in the init context`);
    const value = metricValue(raw, this.name);
    // k6 logs a value it cannot take and returns false (throws with options.throw).
    if (typeof value !== 'number') {
      if (run.throwErrors) throw new Error(value.error);
      engineLog('WARN', value.error);
      return false;
    }
    recordCustom(run, currentStore(), this.metric, this.metric.type === 'rate' ? (value !== 0 ? 1 : 0) : value, tags);
    return true;
  }
}

/** One sample of a custom metric for the VU of `store` (worker VUs' samples come through here). */
export function recordCustom(run: TestRun, store: VuStore | undefined, metric: Metric, value: number, tags?: Record<string, unknown>): void {
  const base = run.tagsFor(store);
  run.add(metric, value, tags ? merged(base, tags) : base, store);
}

/**
 * The last merge of a VU's tags with a script's tags object. A script adds several samples with
 * one tags object in a row (one per token gap, say); while the object still holds the same
 * values, its samples share one merged object (which outputs then serialise once). Compared
 * value by value each time: a script may change the object between two calls.
 */
let last: { base: Record<string, string>; tags: Record<string, unknown>; strings: Record<string, string>; count: number; merged: Record<string, string> } | null = null;

function merged(base: Record<string, string>, tags: Record<string, unknown>): Record<string, string> {
  if (last !== null && last.base === base && last.tags === tags && sameStrings(tags, last.strings, last.count)) return last.merged;
  const strings: Record<string, string> = {};
  let count = 0;
  for (const key of Object.keys(tags)) {
    strings[key] = String(tags[key]);
    count++;
  }
  const result = { ...base, ...strings };
  last = { base, tags, strings, count, merged: result };
  return result;
}

function sameStrings(tags: Record<string, unknown>, strings: Record<string, string>, count: number): boolean {
  let n = 0;
  for (const key in tags) {
    if (!Object.hasOwn(tags, key)) continue;
    const value = tags[key];
    if ((typeof value === 'string' ? value : String(value)) !== strings[key] || !Object.hasOwn(strings, key)) return false;
    n++;
  }
  return n === count;
}


export class Counter extends CustomMetric {
  constructor(name: string) {
    super('counter', name);
  }
  add(value: number, tags?: Record<string, string>): boolean {
    return this.record(value, tags);
  }
}

export class Gauge extends CustomMetric {
  constructor(name: string) {
    super('gauge', name);
  }
  add(value: number, tags?: Record<string, string>): boolean {
    return this.record(value, tags);
  }
}

export class Rate extends CustomMetric {
  constructor(name: string) {
    super('rate', name);
  }
  /** A non-zero value (true included) counts as a pass, as in k6. */
  add(value: unknown, tags?: Record<string, string>): boolean {
    return this.record(value, tags);
  }
}

export class Trend extends CustomMetric {
  constructor(name: string, isTime = false) {
    super('trend', name, isTime);
  }
  add(value: number, tags?: Record<string, string>): boolean {
    return this.record(value, tags);
  }
}

export default { Counter, Gauge, Rate, Trend };
