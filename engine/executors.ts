// k6's executors on one event loop. Time is absolute (performance.now() based): arrival-rate
// schedules compute each iteration's start from the scenario start, never by adding up timers, so
// late timers do not drift the rate. At the end of a scenario, iterations still running after
// gracefulStop are interrupted: their VU's requests are aborted and their later samples dropped.
// With execution segments (engine/segments.ts) each executor runs its part of the scenario, as
// k6's executors do with their ExecutionTuple: counts scaled, iteration indices striped.
import { performance } from 'node:perf_hooks';
import type { ScenarioConfig, Stage } from './scenario.ts';
import { Share } from './segments.ts';
import type { TestRun } from './runtime.ts';
import type { ScenarioRun } from './scenario-run.ts';
import { vuStorage, type Vu } from './vu.ts';

/** What an executor needs from the run loop. */
export interface ExecutorContext {
  readonly run: TestRun;
  readonly scenario: ScenarioRun;
  /** Absolute performance.now() time the scenario started. */
  readonly startAt: number;
  /** A VU for this scenario (reused from the pool or created). */
  acquire(): Vu;
  /** Returns a VU after its last iteration settled. */
  release(vu: Vu): void;
  /** Runs one iteration on `vu`; never rejects. */
  iterate(vu: Vu): Promise<void>;
  /** Interrupts `vu`'s running iteration (counts it, aborts its requests). */
  interrupt(vu: Vu): void;
  /** True once the whole test is stopping (abort, SIGINT, thresholds). */
  stopping(): boolean;
  /** A warning line in k6's log format. */
  warn(text: string): void;
  /**
   * Resolves at absolute time `at`, or earlier once the test stops (then at most `stopGraceMs`
   * after the stop). Returns true when it woke because of the stop.
   */
  until(at: number): Promise<boolean>;
}

export type Executor = (ctx: ExecutorContext) => Promise<void>;

/** Loops: VUs run iterations back to back while `more()` says so. */
class Loops {
  private readonly running = new Set<Vu>();
  private waiting: Array<() => void> = [];

  constructor(private readonly ctx: ExecutorContext) {}

  /** Starts a looping VU; `more(vu)` is asked before each iteration. */
  start(vu: Vu, more: (vu: Vu) => boolean): void {
    this.running.add(vu);
    // The loop enters the VU's store once; iterate() then skips AsyncLocalStorage.run per iteration.
    vuStorage.run(vu.rootStore, () => void this.loop(vu, more));
  }

  private async loop(vu: Vu, more: (vu: Vu) => boolean): Promise<void> {
    const ctx = this.ctx;
    try {
      while (!ctx.stopping() && !vu.interrupted && more(vu)) await ctx.iterate(vu);
    } finally {
      this.running.delete(vu);
      ctx.release(vu);
      if (this.running.size === 0) {
        const waiting = this.waiting;
        this.waiting = [];
        for (const wake of waiting) wake();
      }
    }
  }

  /** Resolves when no loop runs any more. */
  done(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Waits for the loops until `deadline`, then interrupts whatever still runs. */
  async finish(deadline: number): Promise<void> {
    const timedOut = await Promise.race([this.done().then(() => false), this.ctx.until(deadline).then(() => true)]);
    if (timedOut) for (const vu of this.running) if (vu.busy) this.ctx.interrupt(vu);
  }

  get size(): number {
    return this.running.size;
  }
}

function sharedIterations(s: Extract<ScenarioConfig, { executor: 'shared-iterations' }>, share: Share): Executor {
  const vus = share.scale(s.vus);
  // k6 stripes the iterations the way the VUs fell on the segments.
  const iterations = vus === 0 ? 0 : share.forValue(s.vus).scale(s.iterations);
  return async (ctx) => {
    let started = 0;
    ctx.scenario.progress = () => Math.min(1, started / iterations);
    const loops = new Loops(ctx);
    const stopAt = ctx.startAt + s.maxDurationMs;
    let timeUp = false;
    for (let i = 0; i < vus; i++) {
      loops.start(ctx.acquire(), () => {
        if (timeUp || started >= iterations) return false;
        started++;
        return true;
      });
    }
    const stopped = await Promise.race([loops.done().then(() => false), ctx.until(stopAt).then(() => true)]);
    timeUp = true;
    if (stopped) await loops.finish(Math.min(stopAt, performance.now()) + s.gracefulStopMs);
  };
}

function perVuIterations(s: Extract<ScenarioConfig, { executor: 'per-vu-iterations' }>, share: Share): Executor {
  const vus = share.scale(s.vus);
  return async (ctx) => {
    const loops = new Loops(ctx);
    const stopAt = ctx.startAt + s.maxDurationMs;
    let timeUp = false;
    let total = 0;
    ctx.scenario.progress = () => Math.min(1, total / (s.iterations * vus));
    for (let i = 0; i < vus; i++) {
      let mine = 0;
      loops.start(ctx.acquire(), () => {
        if (timeUp || mine >= s.iterations) return false;
        mine++;
        total++;
        return true;
      });
    }
    const stopped = await Promise.race([loops.done().then(() => false), ctx.until(stopAt).then(() => true)]);
    timeUp = true;
    if (stopped) await loops.finish(Math.min(stopAt, performance.now()) + s.gracefulStopMs);
  };
}

function constantVus(s: Extract<ScenarioConfig, { executor: 'constant-vus' }>, share: Share): Executor {
  const vus = share.scale(s.vus);
  return async (ctx) => {
    const loops = new Loops(ctx);
    const stopAt = ctx.startAt + s.durationMs;
    let timeUp = false;
    ctx.scenario.progress = () => Math.min(1, (performance.now() - ctx.startAt) / s.durationMs);
    for (let i = 0; i < vus; i++) loops.start(ctx.acquire(), () => !timeUp);
    await ctx.until(stopAt);
    timeUp = true;
    await loops.finish(Math.min(stopAt, performance.now()) + s.gracefulStopMs);
  };
}

/** VUs wanted at `t` ms into the stages: k6 changes the count one VU at a time, evenly over each stage. */
export function rampingVusTarget(startVUs: number, stages: Stage[], t: number): number {
  let from = startVUs;
  let at = 0;
  for (const stage of stages) {
    if (t < at + stage.durationMs) {
      const steps = Math.floor((Math.abs(stage.target - from) * (t - at)) / stage.durationMs);
      return stage.target >= from ? from + steps : from - steps;
    }
    at += stage.durationMs;
    from = stage.target;
  }
  return from;
}

/**
 * This part's VUs at `t`: k6 stripes the VUs one by one (1st, 2nd, ... VU of the whole run), so a
 * part holds the VUs it owns among those the whole run holds at that moment.
 */
export function rampingVusShare(startVUs: number, stages: Stage[], t: number, share: Share): number {
  return share.scale(rampingVusTarget(startVUs, stages, t));
}

function rampingVus(s: Extract<ScenarioConfig, { executor: 'ramping-vus' }>, share: Share): Executor {
  return async (ctx) => {
    const loops = new Loops(ctx);
    const totalMs = s.stages.reduce((sum, x) => sum + x.durationMs, 0);
    const endAt = ctx.startAt + totalMs;
    ctx.scenario.progress = () => Math.min(1, (performance.now() - ctx.startAt) / Math.max(totalMs, 1));
    const active: Vu[] = [];
    const retiring = new Set<Vu>();
    let timeUp = false;
    const scale = (target: number) => {
      while (active.length < target) {
        const vu = ctx.acquire();
        // The pool may hand back a VU that retired earlier in this scenario.
        retiring.delete(vu);
        active.push(vu);
        loops.start(vu, (v) => !timeUp && !retiring.has(v));
      }
      while (active.length > target) {
        const vu = active.pop()!;
        retiring.add(vu);
        // gracefulRampDown: the retiring VU may finish its iteration, up to this long.
        void ctx.until(performance.now() + s.gracefulRampDownMs).then(() => {
          if (retiring.has(vu) && vu.busy && vu.scenario === ctx.scenario) ctx.interrupt(vu);
        });
      }
    };
    while (!ctx.stopping()) {
      const now = performance.now();
      if (now >= endAt) break;
      scale(rampingVusShare(s.startVUs, s.stages, now - ctx.startAt, share));
      // A 10 ms control loop: VU counts change in whole steps, far coarser than this.
      await ctx.until(Math.min(endAt, now + 10));
    }
    timeUp = true;
    await loops.finish(Math.min(endAt, performance.now()) + s.gracefulStopMs);
  };
}

/**
 * The start times (ms from the scenario start) of this part's iterations, in order: its k-th
 * iteration is the run's iteration `share.forValue(maxVUs).nth(k)` (k6 stripes arrivals the way
 * maxVUs fell on the segments), started at that iteration's time in the whole schedule.
 */
export function arrivalSchedule(globalTimeOf: (g: number) => number, maxVUs: number, share: Share): (k: number) => number {
  if (share.isFull) return globalTimeOf;
  const striped = share.forValue(maxVUs);
  return (k) => globalTimeOf(striped.nth(k));
}

/** Arrival-rate scheduling shared by both executors: start iteration k at `timeOf(k)` ms after the start. */
function arrivalRate(
  s: Extract<ScenarioConfig, { executor: 'constant-arrival-rate' | 'ramping-arrival-rate' }>,
  globalTimeOf: (g: number) => number,
  totalMs: number,
  share: Share,
): Executor {
  const preAllocatedVUs = share.scale(s.preAllocatedVUs);
  const maxVUs = share.scale(s.maxVUs);
  // A part without VUs has no arrivals (k6 does not run it); the whole run keeps dropping them.
  const timeOf = maxVUs === 0 && !share.isFull ? () => Infinity : arrivalSchedule(globalTimeOf, s.maxVUs, share);
  return async (ctx) => {
    const free: Vu[] = [];
    const busy = new Set<Vu>();
    const inflight = new Set<Promise<void>>();
    let allocated = 0;
    let warned = false;
    const dropTags = ctx.scenario.tagsFor('');
    const { run } = ctx;
    for (let i = 0; i < preAllocatedVUs; i++) {
      free.push(ctx.acquire());
      allocated++;
    }
    ctx.scenario.progress = () => Math.min(1, (performance.now() - ctx.startAt) / Math.max(totalMs, 1));
    const startOne = (): void => {
      let vu = free.pop();
      if (vu === undefined) {
        if (allocated >= maxVUs) {
          if (!warned) {
            warned = true;
            ctx.warn(`Insufficient VUs, reached ${maxVUs} active VUs and cannot initialize more  executor=${s.executor} scenario=${ctx.scenario.name}`);
          }
          run.add(run.m.dropped_iterations, 1, dropTags);
          return;
        }
        vu = ctx.acquire();
        allocated++;
      }
      const v = vu;
      busy.add(v);
      const p = ctx.iterate(v).then(() => {
        busy.delete(v);
        inflight.delete(p);
        if (v.interrupted) ctx.release(v);
        else free.push(v);
      });
      inflight.add(p);
    };
    let k = 0;
    const endAt = ctx.startAt + totalMs;
    while (!ctx.stopping()) {
      const elapsed = performance.now() - ctx.startAt;
      let next = timeOf(k);
      while (next <= elapsed && next < totalMs) {
        startOne();
        k++;
        next = timeOf(k);
      }
      if (!(next < totalMs)) break;
      if (await ctx.until(ctx.startAt + next)) break;
    }
    await ctx.until(endAt);
    const deadline = Math.min(endAt, performance.now()) + s.gracefulStopMs;
    const timedOut = await Promise.race([
      (async () => {
        while (inflight.size > 0) await Promise.all([...inflight]);
      })().then(() => false),
      ctx.until(deadline).then(() => true),
    ]);
    if (timedOut) for (const vu of busy) ctx.interrupt(vu);
    for (const vu of free) ctx.release(vu);
    free.length = 0;
  };
}

function constantArrivalRate(s: Extract<ScenarioConfig, { executor: 'constant-arrival-rate' }>, share: Share): Executor {
  const period = s.timeUnitMs / s.rate;
  return arrivalRate(s, (k) => (s.rate > 0 ? k * period : Infinity), s.durationMs, share);
}

/**
 * Start time (ms) of iteration k for piecewise-linear rates: the time at which the integral of
 * the rate reaches k + 1 (k6 starts an iteration each time one whole iteration has accrued).
 */
export function rampingArrivalTime(startRate: number, timeUnitMs: number, stages: Stage[], k: number): number {
  const want = k + 1;
  let done = 0;
  let at = 0;
  let from = startRate / timeUnitMs;
  for (const stage of stages) {
    const to = stage.target / timeUnitMs;
    const d = stage.durationMs;
    const area = ((from + to) / 2) * d;
    if (d > 0 && done + area >= want) {
      const rem = want - done;
      const a = (to - from) / (2 * d);
      const b = from;
      const s = Math.abs(a) < 1e-15 ? rem / b : (-b + Math.sqrt(Math.max(0, b * b + 4 * a * rem))) / (2 * a);
      return at + Math.min(Math.max(s, 0), d);
    }
    done += area;
    at += d;
    from = to;
  }
  return Infinity;
}

function rampingArrivalRate(s: Extract<ScenarioConfig, { executor: 'ramping-arrival-rate' }>, share: Share): Executor {
  const totalMs = s.stages.reduce((sum, x) => sum + x.durationMs, 0);
  return arrivalRate(s, (k) => rampingArrivalTime(s.startRate, s.timeUnitMs, s.stages, k), totalMs, share);
}

/** The executor of scenario `s` for the part `share` of the run (Share.FULL: all of it). */
export function createExecutor(s: ScenarioConfig, share: Share = Share.FULL): Executor {
  switch (s.executor) {
    case 'shared-iterations':
      return sharedIterations(s, share);
    case 'per-vu-iterations':
      return perVuIterations(s, share);
    case 'constant-vus':
      return constantVus(s, share);
    case 'ramping-vus':
      return rampingVus(s, share);
    case 'constant-arrival-rate':
      return constantArrivalRate(s, share);
    case 'ramping-arrival-rate':
      return rampingArrivalRate(s, share);
  }
}
