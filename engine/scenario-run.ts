// A scenario while it runs: the counters k6/execution reads and the sample tags cached per group.
import type { ScenarioConfig } from './scenario.ts';

/** Bounded caches: a script with unbounded URLs or tags must not grow memory without end. */
const TAG_CACHE_LIMIT = 10_000;

/** A scenario while it runs: counters for k6/execution and cached sample tags. */
export class ScenarioRun {
  /** Iterations this instance started so far (exec.scenario.iterationInInstance of the next one). */
  iterations = 0;
  /** exec.scenario.iterationInTest of this instance's k-th iteration (striped with execution segments). */
  iterationIndex: (k: number) => number = (k) => k;
  /** Absolute start (epoch ms) for exec.scenario.startTime; 0 before the scenario started. */
  startedAtMs = 0;
  startedAt = 0;
  /** 0..1 for exec.scenario.progress. */
  progress: () => number = () => 0;
  /** Tags every sample of this scenario carries, without `group`. */
  readonly baseTags: Record<string, string>;
  private readonly byGroup = new Map<string, Record<string, string>>();
  readonly httpTags = new Map<string, Record<string, string>>();
  /** The tags of the scenario's latest request, checked field by field before the map (`extra`: its tags param as [name, value, ...]). */
  lastHttp: {
    group: string;
    method: string;
    url: string;
    name: string;
    status: number;
    expected: boolean | null;
    errorCode: number;
    extra: string[] | undefined;
    tags: Record<string, string>;
  } | null = null;
  /** The function the VUs run (the script's export named by `exec`). */
  fn: (data: unknown) => unknown = () => {};

  constructor(
    readonly config: ScenarioConfig,
    globalTags: Record<string, string>,
    readonly env: Record<string, string>,
  ) {
    this.baseTags = { ...globalTags, ...config.tags, scenario: config.name };
  }

  get name(): string {
    return this.config.name;
  }

  /** Base tags plus `group`, one shared object per group path. */
  tagsFor(group: string): Record<string, string> {
    let tags = this.byGroup.get(group);
    if (tags === undefined) {
      tags = { ...this.baseTags, group };
      if (this.byGroup.size < TAG_CACHE_LIMIT) this.byGroup.set(group, tags);
    }
    return tags;
  }
}
