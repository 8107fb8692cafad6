// The embedded k6-compatible engine, programmatic entry: run a k6 script in this process.
import { parseDurationMs } from '../lib/duration.ts';
import { EXIT, runTest, type ProgressLine, type RunOptions, type RunResult } from './run.ts';

export { EXIT, runTest, type ProgressLine, type RunOptions, type RunResult };
export { version } from './version.ts';

export interface RunScriptOptions extends Omit<RunOptions, 'durationMs'> {
  /** `--duration`: "30s", "1m30s", or milliseconds. */
  duration?: string | number;
}

/**
 * Runs a k6 script (ESM, e.g. dist/basic.js) like `k6 run`: resolves with k6's exit code and the
 * handleSummary data. One run at a time per process.
 */
export async function runScript(scriptPath: string, options: RunScriptOptions = {}): Promise<RunResult> {
  const { duration, ...rest } = options;
  let durationMs: number | undefined;
  if (duration !== undefined) {
    const ms = parseDurationMs(duration, 'ms');
    if (ms === null) throw new Error(`runScript: invalid duration ${JSON.stringify(duration)}`);
    durationMs = ms;
  }
  return runTest(scriptPath, { ...rest, durationMs });
}
