// One load-generator run: k6 or the embedded engine, same command line after the engine's prefix
// (`run -e K=V ... dist/<scenario>.js`). The script's handleSummary writes the end-of-test summary to
// `${OUTPUT}/${NAME}.summary.json`; this module reads it back.
import { rm, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { SelectedEngine } from './engine-select.ts';
import { BenchError } from '../errors.ts';
import { killTree, spawnGroup, tailOf } from '../processes/process-tree.ts';

/** The embedded engine's `--progress ndjson` line (every 500 ms, on stderr). */
export interface LoadProgress {
  elapsed_ms: number;
  requests: number;
  failed: number;
  iterations?: number;
  vus?: number;
  dropped?: number;
}

/**
 * Scenario variables the runner decides. k6 and the embedded engine put the process environment
 * into __ENV, so these are removed from the inherited environment: a stray `RATE` or `API_KEY` in
 * the user's shell cannot change a run behind the flags' back. Others (PROMPT, TIMEOUT,
 * THRESHOLD_*) still pass through.
 */
export const MANAGED_VARS = [
  'TARGET', 'REQUESTS', 'CONCURRENCY', 'DURATION', 'RATE', 'MAX_VUS', 'WARMUP', 'NAME', 'OUTPUT', 'MODEL', 'API_KEY', 'HEADERS', 'ENDPOINT', 'MAX_TOKENS',
  // k6's own config variables that would replace the run's plan, limit its rate, move its summary or
  // keep the secret environment out of __ENV (both engines read them).
  'K6_VUS', 'K6_DURATION', 'K6_ITERATIONS', 'K6_STAGES', 'K6_RPS', 'K6_OUT', 'K6_SUMMARY_EXPORT', 'K6_NO_THRESHOLDS', 'K6_THRESHOLDS', 'K6_INCLUDE_SYSTEM_ENV_VARS', 'K6_CONFIG',
];

export interface RunLoadOptions {
  engine: SelectedEngine;
  script: string;
  /** Passed as `-e K=V` (visible in the process list: no secrets here). */
  env: Record<string, string>;
  /** Passed in the child's environment instead (API key, header values): readable only by this user. */
  secretEnv?: Record<string, string>;
  summaryPath: string;
  onProgress?: (progress: LoadProgress) => void;
  /** Sees every other stderr line first (console output of the script); true keeps it out of `stderr`. */
  onLogLine?: (line: string) => boolean;
  /** Called with the load generator's pid as soon as it is spawned (for resource sampling). */
  onSpawn?: (pid: number) => void;
  /** Aborting sends SIGINT (k6 and the engine stop and still write their summary). */
  signal?: AbortSignal;
  /** Command prefix, e.g. ['taskset', '-c', '1']. */
  prefix?: string[];
  /** After SIGINT, how long to wait for the summary before killing the tree. */
  stopGraceMs?: number;
}

export interface LoadRun {
  exitCode: number;
  /** The handleSummary data written by the script (with its `llmux` key); null when none was written. */
  summary: Record<string, unknown> | null;
  pid: number;
  /** Tail of the load generator's stderr (progress lines removed), for error messages. */
  stderr: string;
  /** The handleSummary text the script printed on stdout. */
  stdout: string;
  aborted: boolean;
}

/** The argument vector, for tests and for `--help` style display (never logged: it holds secrets). */
export function loadArgv(engine: SelectedEngine, script: string, env: Record<string, string>): string[] {
  const flags = engine.kind === 'embedded' ? ['--progress', 'ndjson'] : ['--quiet'];
  if (engine.kind === 'embedded' && engine.workers !== undefined && engine.workers > 1) flags.push('--workers', String(engine.workers));
  const pairs = Object.entries(env).flatMap(([key, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new BenchError(`invalid environment variable name for the script: ${key}`);
    return ['-e', `${key}=${value}`];
  });
  return [...engine.command, 'run', ...flags, ...pairs, script];
}

export async function runLoad(options: RunLoadOptions): Promise<LoadRun> {
  const { engine, script, env, secretEnv = {}, summaryPath, onProgress, onLogLine, onSpawn, signal, prefix = [], stopGraceMs = 20_000 } = options;
  await rm(summaryPath, { force: true }); // a stale summary must never pass for this run's
  const argv = [...prefix, ...loadArgv(engine, script, env)];
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const key of MANAGED_VARS) delete childEnv[key];
  const proc = spawnGroup(argv[0], argv.slice(1), { env: { ...childEnv, ...secretEnv, K6_NO_USAGE_REPORT: 'true' } });
  onSpawn?.(proc.pid);
  const stdout = tailOf(proc.child.stdout, 20_000);
  let stderrText = '';
  const lines = createInterface({ input: proc.child.stderr! });
  lines.on('line', (line) => {
    if (line.startsWith('{"progress"')) {
      try {
        onProgress?.((JSON.parse(line) as { progress: LoadProgress }).progress);
        return;
      } catch {
        // Not a progress line after all: keep it as text.
      }
    }
    if (onLogLine?.(line)) return;
    stderrText = `${stderrText}${line}\n`.slice(-8000);
  });

  let aborted = false;
  let hardKill: NodeJS.Timeout | undefined;
  const onAbort = () => {
    aborted = true;
    try {
      process.kill(proc.pid, 'SIGINT');
    } catch {
      // Already gone.
    }
    hardKill = setTimeout(() => void killTree(proc.pid, { graceMs: 2000 }), stopGraceMs);
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });

  const exit = await proc.exited;
  signal?.removeEventListener('abort', onAbort);
  clearTimeout(hardKill);
  await killTree(proc.pid, { graceMs: 1000 }); // anything the generator left behind
  const failure = proc.spawnError;
  if (failure) throw new BenchError(`could not start the load generator (${argv[0]}): ${failure.message}`);

  let summary: Record<string, unknown> | null = null;
  try {
    summary = JSON.parse(await readFile(summaryPath, 'utf8')) as Record<string, unknown>;
  } catch {
    summary = null;
  }
  const signalNumber = exit.signal ? ({ SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[exit.signal] ?? 1 : 0;
  return {
    exitCode: exit.code ?? 128 + signalNumber,
    summary,
    pid: proc.pid,
    stderr: stderrText,
    stdout: stdout(),
    aborted,
  };
}
