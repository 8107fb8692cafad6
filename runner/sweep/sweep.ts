// `bench --sweep`: the highest arrival rate each side (the mock alone, then the target) sustains
// within a latency SLO. One load run per step (constant-arrival-rate, the open model), so it
// works the same under real k6 and the embedded engine; each side writes one result file whose
// headline numbers are those of its best passing step, with the whole curve under `capacity`.
import { resultFromSummary, writeResultFile, type Capacity, type CapacityStep, type Result, type ResultMeta } from '../../reporter/index.ts';
import { BenchError } from '../errors.ts';
import { onStopNow } from '../stop-now.ts';
import type { Written } from '../table.ts';
import { RatePlan } from './rate-plan.ts';
import { renderSweep } from './render.ts';

export interface SweepOptions {
  /** null: 2x the p99 of the first (lowest-rate) step of the first side. */
  sloP99Ms: number | null;
  sloErrorRate: number;
  sloTtftP99Ms: number | null;
  startRps: number;
  maxRps: number;
  stepDurationS: number;
  /** Warm-up inside each step, excluded from its numbers (connections, JIT). */
  stepWarmupS: number;
}

export interface SweepSide {
  kind: 'baseline' | 'target';
  /** Name of its result file. */
  name: string;
  url: string;
  pid: number | null;
  memorySource: string;
}

export type Slo = Capacity['slo'];

/** One step's load run, as the bench runner measured it. */
export interface StepRun {
  /** The step's result before the sweep's additions. */
  draft: Result;
  /** Why the rig was saturated during the step (empty when it was not). */
  rigReasons: string[];
  summary: unknown;
  meta: ResultMeta;
}

export interface StepLoad {
  rate: number;
  vus: number;
  durationS: number;
  warmupS: number;
  label: string;
}

/** What the sweep needs from the bench runner: a way to run one step, and where to write. */
export interface SweepRig {
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; signal: AbortSignal };
  output: string;
  /** True once a proxy the runner started has exited. */
  targetExited: () => boolean;
  /** null when the step was cut short by Ctrl-C before it measured anything. */
  runStep: (side: SweepSide, step: StepLoad) => Promise<StepRun | null>;
}

/** VUs for a step: enough for every request of `rate` to wait twice the SLO, so a shortage means the target, not the rig. */
export function vusFor(rate: number, sloMs: number | null, floor = 10): number {
  const waitS = Math.max(sloMs ?? 1000, 50) / 1000;
  return Math.min(20_000, Math.max(floor, Math.ceil(rate * waitS * 2) + 10));
}

const ms = (ns: number | null | undefined): number | null => (ns === null || ns === undefined ? null : ns / 1e6);

/** A step's figures and verdict from its draft result; `rig` lists why the rig was saturated. */
export function judgeStep(offered: number, draft: Result, rig: string[], vus: number, slo: Slo): CapacityStep {
  const p99 = ms(draft.latency_p99);
  const ttft = ms(draft.streaming?.ttft_p99);
  const errorRate = draft.error_rate ?? (draft.total_requests > 0 && draft.failed_requests !== null ? draft.failed_requests / draft.total_requests : null);
  const dropped = draft.load?.dropped_iterations ?? null;
  const failedOn: CapacityStep['failed_on'] = [];
  if (draft.total_requests === 0 || p99 === null) failedOn.push('no-data');
  if (p99 !== null && p99 > slo.p99_ms) failedOn.push('p99');
  if (errorRate !== null && errorRate > slo.error_rate) failedOn.push('errors');
  if (slo.ttft_p99_ms !== null && (ttft === null || ttft > slo.ttft_p99_ms)) failedOn.push('ttft_p99');
  if (dropped !== null && dropped > 0) failedOn.push('dropped');
  if (rig.length > 0) failedOn.push('rig');
  return {
    offered_rps: offered,
    achieved_rps: draft.load?.achieved_rps ?? null,
    p50_ms: ms(draft.latency_p50),
    p99_ms: p99,
    ...(draft.streaming ? { ttft_p99_ms: ttft } : {}),
    error_rate: errorRate,
    dropped,
    vus,
    ok: failedOn.length === 0,
    failed_on: failedOn,
  };
}

/** Only a shortage of VUs (nothing the target did wrong): worth a retry with more VUs. */
const onlyDropped = (step: CapacityStep) => step.failed_on.length === 1 && step.failed_on[0] === 'dropped';
/** The rig, not the target, failed the step. */
const rigFailure = (step: CapacityStep) => step.failed_on.every((why) => why === 'dropped' || why === 'rig');

export interface SideOutcome {
  side: SweepSide;
  capacity: Capacity;
  /** The step the result's headline numbers come from: the best pass, else the first step. */
  best: StepRun | null;
  interrupted: boolean;
  /** Why the rig set the ceiling, when it did (the failing step's rig reasons). */
  rigCeiling: string[];
}

/** Runs the sweep on each side in turn, writes one result per side, prints the step tables. */
export async function runSweep(ctx: SweepRig, sides: SweepSide[], sweep: SweepOptions): Promise<Written[]> {
  const { io } = ctx;
  const say = (line: string) => io.stderr.write(`${line}\n`);
  let slo: Slo | null = sweep.sloP99Ms === null ? null : sloFrom(sweep, sweep.sloP99Ms, '--slo-p99');
  const outcomes: SideOutcome[] = [];
  // Written once: after the sweep, or on a second Ctrl-C with the sides finished by then.
  let writes: Promise<Written[]> | undefined;
  const writeSides = () => (writes ??= writeOutcomes(ctx, [...outcomes]));
  const unregister = onStopNow(async () => {
    for (const { file } of await writeSides()) io.stdout.write(`wrote ${file}\n`);
  });
  for (const side of sides) {
    if (io.signal.aborted) break;
    const outcome = await sweepSide(ctx, side, sweep, slo, (derived) => {
      slo = derived;
      say(`SLO: p99 <= ${derived.p99_ms.toFixed(1)} ms (${derived.source}), errors <= ${(derived.error_rate * 100).toFixed(2)}%${derived.ttft_p99_ms !== null ? `, TTFT p99 <= ${derived.ttft_p99_ms} ms` : ''}`);
    });
    outcomes.push(outcome);
    if (ctx.targetExited()) break;
  }
  const written = await writeSides();
  unregister();
  if (outcomes.length > 0) io.stdout.write(`\n${renderSweep(outcomes)}\n\n`);
  return written;
}

async function writeOutcomes(ctx: SweepRig, outcomes: SideOutcome[]): Promise<Written[]> {
  const written: Written[] = [];
  let baselineWritten: Written | null = null;
  for (const outcome of outcomes) {
    if (!outcome.best) continue;
    const w = await writeSide(ctx, outcome, outcome.side.kind === 'target' ? baselineWritten : null);
    if (outcome.side.kind === 'baseline') baselineWritten = w;
    written.push(w);
  }
  return written;
}

function sloFrom(sweep: SweepOptions, p99Ms: number, source: string): Slo {
  return { p99_ms: p99Ms, error_rate: sweep.sloErrorRate, ttft_p99_ms: sweep.sloTtftP99Ms, source };
}

async function sweepSide(ctx: SweepRig, side: SweepSide, sweep: SweepOptions, known: Slo | null, onSlo: (slo: Slo) => void): Promise<SideOutcome> {
  const plan = new RatePlan({ startRps: sweep.startRps, maxRps: sweep.maxRps });
  const steps: CapacityStep[] = [];
  const measured = new Map<number, StepRun>();
  let slo = known;
  let first: StepRun | null = null;
  let interrupted = false;
  for (let rate = plan.next(); rate !== null; rate = plan.next()) {
    let vus = vusFor(rate, slo?.p99_ms ?? null);
    let step: CapacityStep | null = null;
    let run: StepRun | null = null;
    // Dropped iterations alone mean the executor ran out of VUs: raise them (twice) before judging.
    for (let attempt = 0; attempt < 3; attempt++) {
      run = await ctx.runStep(side, { rate, vus, durationS: sweep.stepDurationS, warmupS: sweep.stepWarmupS, label: `${side.kind} ${rate} rps` });
      if (!run) break;
      if (!slo) {
        const p99 = ms(run.draft.latency_p99);
        if (p99 === null) {
          throw new BenchError(`--sweep: the first step (${rate} rps at ${side.url}) had no successful request, so the SLO cannot be derived from it; pass --slo-p99 or fix the target`);
        }
        slo = sloFrom(sweep, 2 * p99, `2x the ${side.kind} p99 of ${p99.toFixed(1)} ms at ${rate} rps`);
        onSlo(slo);
      }
      step = judgeStep(rate, run.draft, run.rigReasons, vus, slo);
      if (!onlyDropped(step) || vus >= 20_000) break;
      vus = Math.min(20_000, vus * 4);
    }
    if (!run || !step) {
      interrupted = true;
      break;
    }
    first ??= run;
    steps.push(step);
    measured.set(rate, run);
    plan.record(rate, step.ok);
    // A saturated rig measures itself at this rate and probably at the next ones: stop here.
    if (step.failed_on.includes('rig')) break;
    if (ctx.io.signal.aborted) {
      interrupted = true;
      break;
    }
    if (ctx.targetExited()) break;
  }
  const max = plan.lo;
  // What ended the sweep is what failed the lowest failing step.
  const ceiling = plan.hi === null ? null : steps.find((s) => s.offered_rps === plan.hi && !s.ok) ?? null;
  const limitedBy: Capacity['limited_by'] = plan.end === 'max-rate' ? 'max-rate' : ceiling === null ? null : rigFailure(ceiling) ? 'rig' : 'target';
  const capacity: Capacity = {
    max_rps_within_slo: max,
    slo: slo ?? sloFrom(sweep, sweep.sloP99Ms ?? 0, 'not derived'),
    limited_by: limitedBy,
    step_duration_s: sweep.stepDurationS,
    steps,
  };
  const rigCeiling: string[] = [];
  if (limitedBy === 'rig' && ceiling !== null) {
    const reasons = measured.get(ceiling.offered_rps)?.rigReasons ?? [];
    for (const why of reasons.length > 0 ? reasons : [`iterations were dropped with ${ceiling.vus} VUs`]) rigCeiling.push(`at ${ceiling.offered_rps} rps the rig set the ceiling: ${why}`);
  }
  return { side, capacity, best: max !== null ? measured.get(max)! : first, interrupted, rigCeiling };
}

async function writeSide(ctx: SweepRig, outcome: SideOutcome, baseline: Written | null): Promise<Written> {
  const best = outcome.best!;
  const { result, warnings } = resultFromSummary(best.summary, {
    ...best.meta,
    name: outcome.side.name,
    partial: outcome.interrupted,
    ...(baseline ? { baseline_file: baseline.file } : {}),
  });
  // Overhead needs the same load on both sides; the best steps of two sweeps differ in rate.
  result.overhead = null;
  result.capacity = outcome.capacity;
  result.warnings = [...warnings, ...best.rigReasons.map((r) => `rig: ${r}`), ...outcome.rigCeiling.map((r) => `rig: ${r}`)];
  if (outcome.capacity.max_rps_within_slo === null) result.warnings.push('capacity: no step met the SLO; the numbers are those of the first step');
  const file = await writeResultFile(result, ctx.output);
  return { result, file };
}
