// The scenarios read their settings from __ENV (k6/lib/config.ts) and stop in the init stage on a
// bad value: by then the mock (and maybe the proxy) run, and the load generator's exit code 107
// hides the reason. The same parser runs here first, on the environment the load generator will
// get, so a bad flag fails before anything starts, in one line naming the flag.
import { UsageError } from '../../lib/cli.ts';
import { ConfigError, parseConfig } from '../../k6/lib/config.ts';
import type { BenchOptions } from '../bench.ts';
import { scriptEnv } from '../bench.ts';
import { MANAGED_VARS } from './load.ts';

/** The bench flag that sets each variable the runner passes. */
const FLAG_OF: Record<string, string> = {
  TARGET: '--target',
  REQUESTS: '--requests',
  CONCURRENCY: '--concurrency',
  DURATION: '--duration',
  RATE: '--rate',
  MAX_VUS: '--max-vus',
  WARMUP: '--warmup',
  NAME: '--name',
  MODEL: '--model',
  API_KEY: '--api-key',
  HEADERS: '--header',
  ENDPOINT: '--endpoint',
  MAX_TOKENS: '--max-tokens',
};

/** "HEADERS must not set ..." → "--header: must not set ..."; others name the environment variable. */
export function renameVariable(message: string): string {
  const name = /^[A-Z][A-Z0-9_]*/.exec(message)?.[0];
  if (!name) return message;
  const rest = message.slice(name.length).trimStart();
  if (FLAG_OF[name]) return `${FLAG_OF[name]}: ${rest}`;
  return `environment variable ${name}: ${rest}`;
}

/**
 * Throws a UsageError when the scenario would reject its environment: the variables the runner
 * sets from the flags on top of the inherited ones (PROMPT, TIMEOUT, THRESHOLD_*, ...), as k6
 * and the engine build __ENV. The URL is a stand-in for the mock's, which is not known yet.
 */
export function checkScenarioEnv(opts: BenchOptions, inherited: NodeJS.ProcessEnv = process.env): void {
  const env: Record<string, string | undefined> = { ...inherited };
  for (const key of MANAGED_VARS) delete env[key];
  Object.assign(env, scriptEnv(opts, opts.target ?? 'http://127.0.0.1:8080', 'baseline', '/tmp'));
  try {
    parseConfig(env, opts.scenario as Parameters<typeof parseConfig>[1]);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(renameVariable(error.message));
    throw error;
  }
}
