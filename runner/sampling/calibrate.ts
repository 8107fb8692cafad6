// `--calibrate`: the rig's own ceilings on this machine. The load generator drives a zero-latency
// mock directly, as hard as it can, for a few seconds per scenario family; the achieved rate and
// both processes' CPU peaks are kept in <output>/.calibration.json, and later runs near them are
// flagged rig_saturated (rig.ts).
import { DEFAULT_MOCK_OPTIONS } from '../../mock/options.ts';
import { measure, redactor, type BenchIO, type BenchOptions, type RunContext } from '../bench.ts';
import { ensureBuilt, scriptPath } from '../engines/build.ts';
import { selectEngine } from '../engines/engine-select.ts';
import { describeEnvironment } from './environment.ts';
import { startMockProcess } from '../processes/mock-process.ts';
import { createWorkDir } from '../processes/work-dir.ts';
import { checkOutputWritable } from '../output-check.ts';
import { calibrationPath, saveCalibration, type CalibrationEntry } from './rig.ts';

export const CALIBRATION_SCENARIOS = ['basic', 'streaming'] as const;

export async function runCalibration(base: BenchOptions, io: BenchIO, durationS = 5): Promise<number> {
  await ensureBuilt();
  const engine = await selectEngine(base.engine);
  const output = await checkOutputWritable(base.output);
  const environment = describeEnvironment(engine, null);
  const mock = await startMockProcess(['--latency', '0ms', '--itl', '0ms', '--tokens', String(DEFAULT_MOCK_OPTIONS.tokens)]);
  const workDir = await createWorkDir('llmux-calibrate-');
  const work = workDir.path;
  const entries: CalibrationEntry[] = [];
  try {
    // Enough VUs to keep a zero-latency mock busy; fewer would measure the client's round trips.
    const concurrency = base.concurrency ?? 64;
    for (const scenario of CALIBRATION_SCENARIOS) {
      if (io.signal.aborted) break;
      const opts: BenchOptions = { ...base, scenario, requests: null, concurrency, durationS, rate: null, maxVus: null, warmupS: 0, warmupAuto: false };
      const ctx: RunContext = { opts, io, engine, script: scriptPath(scenario), work, mock, environment, calibration: null, prefix: [], redact: redactor(opts) };
      io.stderr.write(`calibrating ${scenario}: ${concurrency} VUs against a zero-latency mock for ${durationS} s\n`);
      const run = await measure(ctx, 'baseline', mock.url, mock.pid, 'mock', `calibrate ${scenario}`);
      if (!run || run.load.aborted) break;
      entries.push({
        engine: engine.kind,
        engine_version: engine.version,
        scenario,
        concurrency,
        duration_s: durationS,
        rps: Math.round((run.draft.rps ?? 0) * 10) / 10,
        mock_cpu_peak_percent: run.usage.mock?.peak_cpu_percent ?? null,
        loadgen_cpu_peak_percent: run.usage.loadgen?.peak_cpu_percent ?? null,
        measured_at: new Date().toISOString(),
      });
    }
  } finally {
    await mock.stop();
    await workDir.remove();
  }
  if (entries.length < CALIBRATION_SCENARIOS.length) {
    io.stdout.write('calibration interrupted: nothing saved\n');
    return 130;
  }
  const path = calibrationPath(output);
  await saveCalibration(path, environment, entries);
  io.stdout.write(`rig ceilings on this machine (${environment.cpu_model ?? 'unknown CPU'}, ${environment.cores} cores, ${engine.kind} ${engine.version}):\n`);
  for (const e of entries) {
    io.stdout.write(`  ${e.scenario.padEnd(9)} ${e.rps.toFixed(0).padStart(7)} rps   mock cpu peak ${fmt(e.mock_cpu_peak_percent)}   load generator cpu peak ${fmt(e.loadgen_cpu_peak_percent)}\n`);
  }
  io.stdout.write(`saved to ${path}; later runs near these ceilings are flagged rig_saturated\n`);
  return 0;
}

const fmt = (p: number | null) => (p === null ? '-' : `${p.toFixed(0)}%`);
