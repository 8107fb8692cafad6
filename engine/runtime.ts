// The state of one test run that the k6 module shims reach: metrics, groups, env, VUs, scenarios,
// abort/fail flags. One run at a time per process (k6 scripts are loaded once per realm).
import { performance } from 'node:perf_hooks';
import type { GroupTree, Metric, MetricRegistry } from './metrics/index.ts';
import type { RpsLimit } from './rps-limit.ts';
import type { ScenarioRun } from './scenario-run.ts';
import { Vu, type VuStore } from './vu.ts';

export type Phase = 'init' | 'setup' | 'run' | 'teardown' | 'summary' | 'done';

/** Thrown by exec.test.abort(): ends the iteration, then the whole test (exit 108). */
export class TestAbortError extends Error {
  override name = 'TestAbortError';
}

export class TestRun {
  phase: Phase = 'init';
  /** performance.now() and Date.now() when the scenarios started. */
  startedAt = 0;
  startedAtMs = 0;
  readonly setupVu: Vu;
  aborted: { reason: string; exitCode: number } | null = null;
  /** exec.test.fail() called: the run completes, exit code 110. */
  failedByScript = false;
  iterationsCompleted = 0;
  iterationsInterrupted = 0;
  vusActive = 0;
  vusInitialized = 0;
  /** Called when the run must stop early (abort, thresholds abortOnFail, SIGINT). */
  onStop: (reason: string) => void = () => {};
  /** Told of the first abort (a segment worker reports it to the main thread). */
  onAbort: ((reason: string, exitCode: number) => void) | null = null;
  /** `__VU` of the n-th VU created (a segment worker interleaves its ids with the other workers'). */
  vuIdOf: (n: number) => number = (n) => n;
  readonly scenarios = new Map<string, ScenarioRun>();
  /** http.setResponseCallback: which statuses are expected (k6 default 200-399); null = no http_req_failed. */
  expectedStatus: ((status: number) => boolean) | null = (status) => status >= 200 && status < 400;
  /** options.discardResponseBodies. */
  discardResponseBodies = false;
  /** options.userAgent ('' = send none). */
  userAgent = '';
  /** `--http-debug`: log requests and responses ('full' with bodies). */
  httpDebug: 'headers' | 'full' | null = null;
  /** options.batch: requests of one http.batch() in flight at once (k6 default 20). */
  batch = 20;
  /** options.batchPerHost: of those, to one host:port (k6 default 6; 0 = no limit). */
  batchPerHost = 6;
  /** options.minIterationDuration in ms (0: none). */
  minIterationMs = 0;
  /** options.throw: a failed request throws instead of returning status 0 (and logs nothing). */
  throwErrors = false;
  /** options.maxRedirects (k6 default 10). */
  maxRedirects = 10;
  /** options.noConnectionReuse: every request on a new connection ("Connection: close", as Go's DisableKeepAlives). */
  noConnectionReuse = false;
  /** options.noVUConnectionReuse: a VU's connections are closed at the end of each iteration. */
  noVUConnectionReuse = false;
  /** options.rps / --rps: the run's request rate limit (null: none). */
  rpsLimit: RpsLimit | null = null;
  /** Samples and requests whose iterations threw: counted for the zero-request warning. */
  iterationErrors = 0;
  private readonly setupTags: Record<string, Record<string, string>> = {};
  readonly m: Record<BuiltinName, Metric>;

  constructor(
    readonly registry: MetricRegistry,
    readonly groups: GroupTree,
    /** `__ENV` outside scenarios. */
    readonly env: Record<string, string>,
    /** options.tags: tags on every sample. */
    public globalTags: Record<string, string>,
    readonly scriptPath: string,
    /** The script's exported options (after CLI overrides), for exec.test.options. */
    public options: Record<string, unknown>,
  ) {
    this.setupVu = new Vu(0, env);
    this.m = Object.fromEntries(BUILTINS.map((name) => [name, registry.get(name)!])) as Record<BuiltinName, Metric>;
  }

  /** Milliseconds since the scenarios started (0 before). */
  elapsedMs(): number {
    return this.startedAt === 0 ? 0 : performance.now() - this.startedAt;
  }

  /** Tags for a sample emitted from `store` (a VU inside a scenario, or setup/teardown). */
  tagsFor(store: VuStore | undefined): Record<string, string> {
    const group = store?.group ?? '';
    const vu = store?.vu;
    let tags: Record<string, string>;
    if (vu?.scenario) tags = vu.scenario.tagsFor(group);
    else {
      tags = this.setupTags[group];
      if (tags === undefined) tags = this.setupTags[group] = { ...this.globalTags, group };
    }
    if (vu !== undefined && vu.userTagCount > 0) return { ...tags, ...vu.userTags };
    return tags;
  }

  /** Records a sample unless it comes from an interrupted VU (k6 drops those with the VU's context); `timeMs` = its wall time when not now. */
  add(metric: Metric, value: number, tags: Record<string, string>, store?: VuStore, timeMs?: number): void {
    if (store !== undefined && store.vu.interrupted) return;
    this.registry.addTo(metric, value, tags, timeMs);
  }

  /** Stops the test: no new iterations; `exitCode` wins over thresholds. */
  abort(reason: string, exitCode: number): void {
    if (this.aborted === null) {
      this.aborted = { reason, exitCode };
      this.onAbort?.(reason, exitCode);
    }
    this.onStop(reason);
  }

  /** The id of a new VU (counts it in vusInitialized). */
  nextVuId(): number {
    return this.vuIdOf(++this.vusInitialized);
  }
}

const BUILTINS = [
  'vus',
  'vus_max',
  'iterations',
  'iteration_duration',
  'dropped_iterations',
  'checks',
  'group_duration',
  'http_reqs',
  'http_req_failed',
  'http_req_duration',
  'http_req_blocked',
  'http_req_connecting',
  'http_req_tls_handshaking',
  'http_req_sending',
  'http_req_waiting',
  'http_req_receiving',
  'data_sent',
  'data_received',
] as const;
type BuiltinName = (typeof BUILTINS)[number];

let current: TestRun | null = null;

export function setCurrentRun(run: TestRun | null): void {
  current = run;
}

/** The running test; throws when a k6 API is used outside one (e.g. the script imported by plain Node). */
export function currentRun(): TestRun {
  if (current === null) throw new Error('k6 APIs are only available while the engine runs a script');
  return current;
}

export function maybeCurrentRun(): TestRun | null {
  return current;
}

