// Metric samples from a segment worker to the main thread: the worker gathers them in columns
// (typed arrays, transferred without copies), with metrics and tag sets sent once and then
// referred to by number; the main thread adds them to its registry, where thresholds, outputs
// and the summary see one merged stream, as from a single process.
import type { Metric, MetricRegistry } from '../metrics/index.ts';
import type { MetricDef, SampleBatch } from './protocol.ts';

const INITIAL_CAPACITY = 1024;

/** Worker side: collects samples until take(). */
export class SampleBatcher {
  private readonly metricIds = new Map<Metric, number>();
  private newMetrics: MetricDef[] = [];
  /** The engine reuses one tags object for many samples: look it up by identity first. */
  private readonly tagObjects = new WeakMap<object, number>();
  private readonly tagKeys = new Map<string, number>();
  private newTagSets: Array<[number, string]> = [];
  private metric = new Uint32Array(INITIAL_CAPACITY);
  private tags = new Uint32Array(INITIAL_CAPACITY);
  private value = new Float64Array(INITIAL_CAPACITY);
  private time = new Float64Array(INITIAL_CAPACITY);
  size = 0;

  add(metric: Metric, value: number, tags: Readonly<Record<string, string>>, timeMs: number): void {
    let m = this.metricIds.get(metric);
    if (m === undefined) {
      m = this.metricIds.size;
      this.metricIds.set(metric, m);
      this.newMetrics.push([m, metric.name, metric.type, metric.contains]);
    }
    let t = this.tagObjects.get(tags);
    if (t === undefined) {
      const key = JSON.stringify(tags);
      t = this.tagKeys.get(key);
      if (t === undefined) {
        t = this.tagKeys.size;
        this.tagKeys.set(key, t);
        this.newTagSets.push([t, key]);
      }
      this.tagObjects.set(tags, t);
    }
    if (this.size === this.metric.length) this.grow();
    const i = this.size++;
    this.metric[i] = m;
    this.tags[i] = t;
    this.value[i] = value;
    this.time[i] = timeMs;
  }

  /** The samples gathered since the last call (null when none), in arrays the caller may transfer. */
  take(): SampleBatch | null {
    if (this.size === 0 && this.newMetrics.length === 0) return null;
    const n = this.size;
    const batch: SampleBatch = {
      metrics: this.newMetrics,
      tagSets: this.newTagSets,
      metric: this.metric.slice(0, n),
      tags: this.tags.slice(0, n),
      value: this.value.slice(0, n),
      time: this.time.slice(0, n),
    };
    this.newMetrics = [];
    this.newTagSets = [];
    this.size = 0;
    return batch;
  }

  private grow(): void {
    const cap = this.metric.length * 2;
    const copy = <T extends Uint32Array | Float64Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    this.metric = copy(this.metric, new Uint32Array(cap));
    this.tags = copy(this.tags, new Uint32Array(cap));
    this.value = copy(this.value, new Float64Array(cap));
    this.time = copy(this.time, new Float64Array(cap));
  }
}

/** The buffers of a batch, for postMessage's transfer list. */
export const transferables = (b: SampleBatch): ArrayBuffer[] => [b.metric.buffer, b.tags.buffer, b.value.buffer, b.time.buffer] as ArrayBuffer[];

/** Main-thread side, one per worker: resolves its numbers and adds the samples to `registry`. */
export class SampleMerger {
  private readonly metrics: Metric[] = [];
  private readonly tagSets: Array<Readonly<Record<string, string>>> = [];

  constructor(private readonly registry: MetricRegistry) {}

  apply(batch: SampleBatch): void {
    for (const [id, name, type, contains] of batch.metrics) this.metrics[id] = this.registry.define(name, type, contains);
    for (const [id, json] of batch.tagSets) this.tagSets[id] = JSON.parse(json) as Record<string, string>;
    const { metric, tags, value, time } = batch;
    for (let i = 0; i < metric.length; i++) this.registry.addTo(this.metrics[metric[i]], value[i], this.tagSets[tags[i]], time[i]);
  }
}
