// k6's options from K6_* environment variables (`K6_VUS=10 K6_DURATION=30s k6 run s.js`): they
// override the script's options and the command line overrides them, as k6 consolidates its
// config. A value k6 would refuse stops the run with a line naming the variable (exit 104).
import { parseDurationMs } from '../lib/duration.ts';

export interface EnvConfig {
  vus?: number;
  iterations?: number;
  durationMs?: number;
  stages?: Array<{ duration: string; target: number }>;
  summaryExport?: string;
  out?: string[];
  noThresholds?: boolean;
  includeSystemEnvVars?: boolean;
  /** Script options set by the environment (each replaces the script's). */
  options: Record<string, unknown>;
}

export class EnvConfigError extends Error {}

const fail = (key: string, want: string, text: string): never => {
  throw new EnvConfigError(`${key}: expected ${want}, got ${JSON.stringify(text)}`);
};

function int(key: string, text: string): number {
  if (!/^-?\d+$/.test(text.trim())) fail(key, 'a whole number', text);
  return Number(text.trim());
}

/** Go's strconv.ParseBool. */
function bool(key: string, text: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return fail(key, 'true or false', text);
}

function duration(key: string, text: string): number {
  const ms = parseDurationMs(text, 'ms');
  return ms === null ? fail(key, 'a duration like "30s" or "1m30s"', text) : ms;
}

/** One `DURATION:TARGET` stage, as `--stage` and K6_STAGES write it (null when it is not one). */
export function stageOf(text: string): { duration: string; target: number } | null {
  const match = /^([^:]+):(\d+)$/.exec(text);
  return match === null ? null : { duration: match[1], target: Number(match[2]) };
}

/** An envconfig list: comma-separated, blanks dropped. */
const list = (text: string): string[] =>
  text
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

const INT_OPTIONS: Record<string, string> = { K6_RPS: 'rps', K6_MAX_REDIRECTS: 'maxRedirects', K6_BATCH: 'batch', K6_BATCH_PER_HOST: 'batchPerHost' };
const BOOL_OPTIONS: Record<string, string> = {
  K6_NO_CONNECTION_REUSE: 'noConnectionReuse',
  K6_NO_VU_CONNECTION_REUSE: 'noVUConnectionReuse',
  K6_INSECURE_SKIP_TLS_VERIFY: 'insecureSkipTLSVerify',
  K6_DISCARD_RESPONSE_BODIES: 'discardResponseBodies',
  K6_THROW: 'throw',
};
const DURATION_OPTIONS: Record<string, string> = { K6_MIN_ITERATION_DURATION: 'minIterationDuration', K6_SETUP_TIMEOUT: 'setupTimeout', K6_TEARDOWN_TIMEOUT: 'teardownTimeout' };
const STRING_OPTIONS: Record<string, string> = { K6_USER_AGENT: 'userAgent', K6_SUMMARY_TIME_UNIT: 'summaryTimeUnit' };

/** The K6_* variables of `env` that the engine reads (an empty one counts as unset). */
export function readEnvConfig(env: Record<string, string | undefined>): EnvConfig {
  const config: EnvConfig = { options: {} };
  const get = (key: string): string | undefined => (env[key] === undefined || env[key] === '' ? undefined : env[key]);
  let text: string | undefined;
  if ((text = get('K6_VUS')) !== undefined) config.vus = int('K6_VUS', text);
  if ((text = get('K6_ITERATIONS')) !== undefined) config.iterations = int('K6_ITERATIONS', text);
  if ((text = get('K6_DURATION')) !== undefined) config.durationMs = duration('K6_DURATION', text);
  if ((text = get('K6_STAGES')) !== undefined) {
    config.stages = list(text).map((item) => {
      const stage = stageOf(item);
      if (stage === null || parseDurationMs(stage.duration, 's') === null) return fail('K6_STAGES', 'DURATION:TARGET pairs like 30s:10,1m:0', text!);
      return stage;
    });
  }
  if ((text = get('K6_SUMMARY_EXPORT')) !== undefined) config.summaryExport = text;
  if ((text = get('K6_OUT')) !== undefined) config.out = list(text);
  if ((text = get('K6_NO_THRESHOLDS')) !== undefined) config.noThresholds = bool('K6_NO_THRESHOLDS', text);
  if ((text = get('K6_INCLUDE_SYSTEM_ENV_VARS')) !== undefined) config.includeSystemEnvVars = bool('K6_INCLUDE_SYSTEM_ENV_VARS', text);
  // options.httpDebug: headers for any value, bodies too for "full".
  if ((text = get('K6_HTTP_DEBUG')) !== undefined) config.options.httpDebug = text;
  for (const [key, option] of Object.entries(INT_OPTIONS)) if ((text = get(key)) !== undefined) config.options[option] = int(key, text);
  for (const [key, option] of Object.entries(BOOL_OPTIONS)) if ((text = get(key)) !== undefined) config.options[option] = bool(key, text);
  for (const [key, option] of Object.entries(DURATION_OPTIONS)) if ((text = get(key)) !== undefined) config.options[option] = `${duration(key, text)}ms`;
  for (const [key, option] of Object.entries(STRING_OPTIONS)) if ((text = get(key)) !== undefined) config.options[option] = text;
  if ((text = get('K6_SUMMARY_TREND_STATS')) !== undefined) config.options.summaryTrendStats = list(text);
  if ((text = get('K6_TAGS')) !== undefined) {
    const tags: Record<string, string> = {};
    for (const pair of list(text)) {
      const colon = pair.indexOf(':');
      if (colon <= 0) fail('K6_TAGS', 'NAME:VALUE pairs like team:gw,env:ci', text);
      tags[pair.slice(0, colon)] = pair.slice(colon + 1);
    }
    config.options.tags = tags;
  }
  return config;
}

const SHORTCUTS = ['duration', 'iterations', 'stages', 'scenarios'];

/**
 * The options of a `--config` file under the script's, as k6 layers its config: the script's keys
 * win, and a script that sets any of duration, iterations, stages or scenarios drops all four of
 * the file's (they would conflict).
 */
export function underScript(file: Record<string, unknown> | undefined, script: Record<string, unknown>): Record<string, unknown> {
  if (file === undefined) return { ...script };
  const base = { ...file };
  if (SHORTCUTS.some((k) => script[k] !== undefined)) for (const k of SHORTCUTS) delete base[k];
  return { ...base, ...script };
}
