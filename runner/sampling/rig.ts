// Is the number about the proxy or about the rig? The mock and the load generator share this
// machine with the target; when either works near a full core (or near the ceiling `--calibrate`
// measured for it here), or the mock itself fails requests, the result measures the rig.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, type Result } from '../../reporter/index.ts';
import type { Environment } from './environment.ts';

/** A process this close to its ceiling counts as saturated. */
export const NEAR = 0.9;
/** Achieved RPS this close to the rig's calibrated RPS ceiling counts as saturated. */
export const NEAR_RPS = 0.8;

export interface CalibrationEntry {
  engine: string;
  engine_version: string;
  scenario: string;
  concurrency: number;
  duration_s: number;
  /** Highest rate the rig sustained against a zero-latency mock. */
  rps: number;
  mock_cpu_peak_percent: number | null;
  loadgen_cpu_peak_percent: number | null;
  measured_at: string;
}

export interface Calibration {
  cpu_model: string | null;
  cores: number;
  entries: Record<string, CalibrationEntry>;
}

export const calibrationPath = (outputDir: string): string => join(outputDir, '.calibration.json');
export const calibrationKey = (engine: string, scenario: string): string => `${engine}:${scenario === 'streaming' ? 'streaming' : 'basic'}`;

export async function readCalibration(path: string): Promise<Calibration | null> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Calibration;
    return parsed && typeof parsed.entries === 'object' ? parsed : null;
  } catch {
    return null;
  }
}

/** The entry for this engine and scenario, if it was measured on a machine like this one. */
export function calibrationFor(calibration: Calibration | null, env: Environment, engine: string, scenario: string): CalibrationEntry | null {
  if (!calibration || calibration.cpu_model !== env.cpu_model || calibration.cores !== env.cores) return null;
  return calibration.entries[calibrationKey(engine, scenario)] ?? null;
}

export async function saveCalibration(path: string, env: Environment, entries: CalibrationEntry[]): Promise<Calibration> {
  const previous = await readCalibration(path);
  const same = previous && previous.cpu_model === env.cpu_model && previous.cores === env.cores;
  const calibration: Calibration = { cpu_model: env.cpu_model, cores: env.cores, entries: same ? { ...previous.entries } : {} };
  for (const entry of entries) calibration.entries[calibrationKey(entry.engine, entry.scenario)] = entry;
  await writeFileAtomic(path, JSON.stringify(calibration, null, 2) + '\n', true);
  return calibration;
}

/** Achieved rate below this share of the offered one: the open-model run fell behind. */
export const OPEN_MODEL_KEPT = 0.95;

/**
 * Why an open-model run did not carry the load it was offered (achieved below 95% of the offered
 * rate, or iterations dropped for want of a VU), or null: its latency was measured under less load
 * than asked.
 */
export function openModelShortfall(load: Result['load'] | undefined): string | null {
  if (load?.model !== 'open' || !load.offered_rps) return null;
  const achieved = load.achieved_rps ?? null;
  const dropped = load.dropped_iterations ?? 0;
  const behind = achieved !== null && achieved < OPEN_MODEL_KEPT * load.offered_rps;
  if (!behind && dropped === 0) return null;
  const share = achieved !== null ? ` (${((100 * achieved) / load.offered_rps).toFixed(0)}%)` : '';
  return `open model fell behind: achieved ${achieved === null ? '?' : `${achieved.toFixed(2)}/s`} of the offered ${load.offered_rps.toFixed(2)}/s${share}, ${dropped} iteration${dropped === 1 ? '' : 's'} dropped; raise --max-vus, or the target cannot take this rate`;
}

export interface RigInput {
  mockCpuPeak: number | null;
  loadgenCpuPeak: number | null;
  /** 5xx answers the mock gave without being told to inject them. */
  mockErrors: number;
  achievedRps: number | null;
  /** Cores the load generator may use: k6 all of them or its --pin share; the embedded engine one event loop. */
  loadgenCores: number;
  /** Mock processes (mock --workers), each one event loop: 1 unless told. */
  mockCores?: number;
  calibration: CalibrationEntry | null;
  /** Average busy share of all the machine's cores during the run (percent), when known. */
  machineBusyAvg?: number | null;
  cores?: number;
}

export interface RigVerdict {
  saturated: boolean;
  reasons: string[];
}

export function judgeRig(input: RigInput): RigVerdict {
  const reasons: string[] = [];
  const cal = input.calibration;
  const check = (who: string, peak: number | null, calibrated: number | null | undefined, cores: number) => {
    if (peak === null) return;
    const ceiling = calibrated && calibrated > 0 ? calibrated : 100 * cores;
    const what = calibrated ? `its calibrated ceiling of ${calibrated.toFixed(0)}%` : cores === 1 ? 'a full core' : `${cores} full cores`;
    if (peak >= NEAR * ceiling) reasons.push(`${who} CPU peaked at ${peak.toFixed(0)}%, near ${what}`);
  };
  check('the mock', input.mockCpuPeak, cal?.mock_cpu_peak_percent, input.mockCores ?? 1);
  check('the load generator', input.loadgenCpuPeak, cal?.loadgen_cpu_peak_percent, input.loadgenCores);
  // A machine whose every core is busy starves the mock and the load generator before their own
  // CPU shows it (they wait for a core instead), so this counts as saturation too.
  if (input.machineBusyAvg !== null && input.machineBusyAvg !== undefined && input.machineBusyAvg >= NEAR * 100) {
    const cores = input.cores ? `${input.cores} cores` : 'cores';
    reasons.push(`the machine's ${cores} were ${input.machineBusyAvg.toFixed(0)}% busy on average: target, mock and load generator competed for CPU`);
  }
  if (input.mockErrors > 0) reasons.push(`the mock itself answered ${input.mockErrors} request(s) with 5xx errors it was not told to inject`);
  if (cal && input.achievedRps !== null && input.achievedRps >= NEAR_RPS * cal.rps) {
    reasons.push(`${input.achievedRps.toFixed(0)} rps is ${Math.round((100 * input.achievedRps) / cal.rps)}% of the rig's own ceiling (${cal.rps.toFixed(0)} rps, --calibrate)`);
  }
  return { saturated: reasons.length > 0, reasons };
}

/** Worker processes the mock runs with: the last --workers in its arguments, else MOCK_WORKERS, else 1. */
export function mockWorkers(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  let value: string | undefined = env.MOCK_WORKERS;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--workers') value = args[i + 1];
    else if (args[i].startsWith('--workers=')) value = args[i].slice('--workers='.length);
  }
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/**
 * 5xx answers in the mock's /stats counters, minus the ones it injected on purpose. Client faults
 * are not in it: a client gone mid-body or mid-stream counts in client_disconnects (and 499), a
 * malformed body gets a 4xx.
 */
export function mockServerErrors(before: MockStats | null, after: MockStats | null): number {
  if (!before || !after) return 0;
  const fivexx = (stats: MockStats) =>
    Object.entries(stats.by_route ?? {}).reduce((sum, [key, n]) => (/ 5\d\d$/.test(key) ? sum + n : sum), 0);
  const injected = (stats: MockStats) => stats.errors_injected ?? 0;
  return Math.max(0, fivexx(after) - fivexx(before) - (injected(after) - injected(before)));
}

/** Model requests the mock answered (POST routes), without the runner's own GET /stats polls. */
export function modelRequests(stats: MockStats | null): number | null {
  if (!stats) return null;
  if (!stats.by_route) return stats.requests_total ?? null;
  return Object.entries(stats.by_route).reduce((sum, [key, n]) => (key.startsWith('POST ') ? sum + n : sum), 0);
}

export interface MockStats {
  requests_total?: number;
  errors_injected?: number;
  by_route?: Record<string, number>;
}

export async function fetchMockStats(mockUrl: string): Promise<MockStats | null> {
  try {
    const res = await fetch(`${mockUrl}/stats`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? ((await res.json()) as MockStats) : null;
  } catch {
    return null;
  }
}
