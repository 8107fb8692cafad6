// Virtual users on one event loop: each VU's iterations run inside an AsyncLocalStorage store, so
// `__VU`, `__ITER`, `__ENV`, k6/execution and the HTTP module know which VU is calling even after
// awaits, while thousands of VUs share one Node realm.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CookieJar } from './modules/cookies.ts';
import type { ScriptExports } from './script/compiled.ts';
import type { ScenarioRun } from './scenario-run.ts';
import type { VuConnections } from './transport.ts';

/** The store of one running call chain: a VU and the group path it is in ("" = root). */
export interface VuStore {
  readonly vu: Vu;
  readonly group: string;
}

export const vuStorage = new AsyncLocalStorage<VuStore>();

export class Vu {
  /** k6 `__ITER` and exec.vu.iterationInInstance: iterations started by this VU (minus one). */
  iteration = -1;
  iterationInScenario = -1;
  /** exec.scenario.iterationInTest of the current iteration (index in the whole run's scenario). */
  iterationInScenarioTest = -1;
  /** exec.scenario.iterationInInstance of the current iteration (index in this instance's part). */
  iterationInScenarioInstance = -1;
  /** exec.vu.metrics.metadata (kept, not emitted: the engine's outputs have no metadata). */
  readonly metadata: Record<string, string> = {};
  scenario: ScenarioRun | null = null;
  /** `__ENV` for this VU: the global env with the current scenario's env on top. */
  env: Record<string, string>;
  /** exec.vu.metrics.tags: user tags added to every sample of this VU. */
  readonly userTags: Record<string, string> = {};
  userTagCount = 0;
  /** Set when the executor interrupted the VU's iteration (gracefulStop over): requests fail fast, samples are dropped. */
  interrupted = false;
  /** True while an iteration runs. */
  busy = false;
  readonly rootStore: VuStore;
  /** Keep-alive connections of this VU, by origin (created by the HTTP transport). */
  connections: VuConnections | null = null;
  /** The VU's default cookie jar (created on first use). */
  cookieJar: CookieJar | null = null;
  /** This VU's own evaluation of the script (event-loop VUs; null for worker VUs). */
  exports: ScriptExports | null = null;
  /** The function of the VU's current scenario. */
  fn: (data: unknown) => unknown = noop;
  /** setup()'s data, this VU's own copy (parsed on first use). */
  data: unknown = undefined;
  hasData = false;
  /** Timers the VU's current iteration started and that have not run or been cleared yet. */
  pendingTimers = 0;
  /** Wakes the iteration waiting for its timers. */
  idleWaiter: (() => void) | null = null;
  /** Ends the sleep() this VU's rewritten script waits in (engine/coroutines.ts), if any. */
  wake: (() => void) | null = null;
  /** The worker thread running this VU's code (worker VUs only). */
  worker: { terminate(): void } | null = null;

  /** One timer or request of the iteration is done; wakes the iteration once none is left. */
  settle(): void {
    if (--this.pendingTimers === 0 && this.idleWaiter !== null) {
      const wake = this.idleWaiter;
      this.idleWaiter = null;
      wake();
    }
  }

  constructor(
    /** exec.vu.idInInstance / idInTest and `__VU` (1-based; 0 for setup and teardown). */
    readonly id: number,
    env: Record<string, string>,
  ) {
    this.env = env;
    this.rootStore = { vu: this, group: '' };
  }
}

function noop(): void {}

/** The VU of the current call chain, or null outside any VU (init stage). */
export function currentStore(): VuStore | undefined {
  return vuStorage.getStore();
}
