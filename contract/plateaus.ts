// The concurrency scenario's plateau plan: part of the env contract (CONCURRENCY and DURATION
// decide it), shared by the k6 scenario that runs it and the reporter that reads its tags.
// Pure code: no Node built-ins, no k6 imports, so the k6 bundles may include it.

// Concurrency scenario: plateaus at these fractions of CONCURRENCY.
export const PLATEAU_FRACTIONS = [0.1, 0.25, 0.5, 1];
/** Per plateau with DURATION=0: ramp to the level, then hold it. */
export const DEFAULT_RAMP_MS = 5_000;
export const DEFAULT_HOLD_MS = 15_000;

export interface Plateau {
  vus: number;
  /** Offsets from the scenario start, in ms. */
  rampStartMs: number;
  holdStartMs: number;
  endMs: number;
}

/**
 * Concurrency plateaus: distinct VU levels at 10/25/50/100% of CONCURRENCY. With DURATION=0
 * each plateau ramps for 5 s and holds for 15 s; with DURATION>0 the plateaus share DURATION
 * equally, a quarter of each (at most 5 s) ramping.
 */
export function plateauPlan(concurrency: number, durationMs: number): Plateau[] {
  const levels = [...new Set(PLATEAU_FRACTIONS.map((f) => Math.max(1, Math.round(f * concurrency))))];
  let rampMs = DEFAULT_RAMP_MS;
  let holdMs = DEFAULT_HOLD_MS;
  if (durationMs > 0) {
    const each = Math.floor(durationMs / levels.length);
    rampMs = Math.min(DEFAULT_RAMP_MS, Math.floor(each / 4));
    holdMs = each - rampMs;
  }
  return levels.map((vus, i) => {
    const rampStartMs = i * (rampMs + holdMs);
    return { vus, rampStartMs, holdStartMs: rampStartMs + rampMs, endMs: rampStartMs + rampMs + holdMs };
  });
}

/** The `plateau` tag for a request started `elapsedMs` after the scenario start. */
export function plateauTag(plan: Plateau[], elapsedMs: number): string {
  for (const p of plan) {
    if (elapsedMs < p.holdStartMs) return 'ramp';
    if (elapsedMs < p.endMs) return String(p.vus);
  }
  return String(plan[plan.length - 1].vus);
}
