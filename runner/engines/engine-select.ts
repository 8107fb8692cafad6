// Which load generator runs a scenario: a real k6 binary (K6_BIN or PATH) or the embedded engine.
// Both take the same command line after their prefix (`run -e KEY=VALUE ... dist/<scenario>.js`),
// so results from either are comparable.
import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { UsageError } from '../../lib/cli.ts';

const run = promisify(execFile);

/** Oldest k6 the bundles run on: native ESM and async/await (see k6-FACTS.md). */
export const MIN_K6_VERSION = '0.53.0';

export const ENGINE_MODES = ['auto', 'k6', 'embedded'] as const;
export type EngineMode = (typeof ENGINE_MODES)[number];

export interface SelectedEngine {
  kind: 'k6' | 'embedded';
  /** Command and leading arguments; append `run ...` to them. */
  command: string[];
  /** "v0.55.2" for k6, the package version for the embedded engine. */
  version: string;
  /** Embedded engine: worker threads per run (`engine run --workers`); absent or 1: one thread. */
  workers?: number;
}

const BIN = fileURLToPath(new URL('../../bin/llmux-bench.mjs', import.meta.url));

export const K6_INSTALL_HINT =
  'install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/) or point K6_BIN at it, or use --engine embedded';

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds k6 from K6_BIN or PATH (executable files only, like `which`); null when absent.
 * A K6_BIN that is set but unusable is an error, not a silent fallback to the embedded engine.
 */
export function findK6(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.K6_BIN) {
    const bin = resolve(env.K6_BIN);
    if (!isExecutableFile(bin)) throw new UsageError(`K6_BIN=${env.K6_BIN}: not an executable file; fix or unset K6_BIN`);
    return bin;
  }
  const names = process.platform === 'win32' ? ['k6.exe', 'k6'] : ['k6'];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      const candidate = join(dir, name);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return null;
}

/** Parses `k6 version` output ("k6 v0.55.2 (commit/..., go1.23, linux/amd64)") to "v0.55.2". */
export function parseK6Version(output: string): string | null {
  const match = /\bv?(\d+\.\d+\.\d+(?:-[\w.]+)?)/.exec(output);
  return match ? `v${match[1]}` : null;
}

export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split(/[.-]/).slice(0, 3).map(Number);
  const pb = b.replace(/^v/, '').split(/[.-]/).slice(0, 3).map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

export async function k6Version(bin: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  let stdout: string;
  try {
    ({ stdout } = await run(bin, ['version'], { env, timeout: 10_000 }));
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`'${bin} version' failed (${reason}); ${K6_INSTALL_HINT}`);
  }
  const version = parseK6Version(stdout);
  if (!version) throw new UsageError(`could not read the version from '${bin} version' (got ${JSON.stringify(stdout.trim())})`);
  return version;
}

export async function selectEngine(mode: EngineMode, env: NodeJS.ProcessEnv = process.env): Promise<SelectedEngine> {
  const k6 = mode === 'embedded' ? null : findK6(env);
  if (mode === 'k6' && !k6) {
    throw new UsageError(`--engine k6: no k6 binary found in PATH; ${K6_INSTALL_HINT}`);
  }
  if (k6) {
    const version = await k6Version(k6, env);
    if (compareVersions(version, MIN_K6_VERSION) < 0) {
      throw new UsageError(`k6 ${version} at ${k6} is older than ${MIN_K6_VERSION}, which the scenarios need; upgrade k6 or use --engine embedded`);
    }
    return { kind: 'k6', command: [k6], version };
  }
  const { version } = (await import('../../package.json', { with: { type: 'json' } })).default;
  return { kind: 'embedded', command: [process.execPath, BIN, 'engine'], version };
}

/** "k6 v0.55.2 (/usr/local/bin/k6)" or "embedded engine 0.1.0", for logs and result files. */
export function describeEngine(engine: SelectedEngine): string {
  return engine.kind === 'k6' ? `k6 ${engine.version} (${engine.command[0]})` : `embedded engine ${engine.version}`;
}
