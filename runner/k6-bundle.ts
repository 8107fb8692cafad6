// Where a scenario's bundle is, building dist/ first. Uses the runner's ensureBuilt (rebuilds only
// when dist/ is missing or stale) when present, else runs build.mjs.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { UsageError } from '../lib/cli.ts';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function buildBundles(): Promise<void> {
  const buildModule = new URL('./build.ts', import.meta.url);
  if (existsSync(fileURLToPath(buildModule))) {
    const { ensureBuilt } = (await import(buildModule.href)) as { ensureBuilt?: () => Promise<unknown> };
    if (ensureBuilt) {
      await ensureBuilt();
      return;
    }
  }
  try {
    await promisify(execFile)(process.execPath, ['build.mjs'], { cwd: REPO_ROOT, timeout: 120_000 });
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new Error(`building the scenarios (node build.mjs) failed:\n${detail}`);
  }
}

/** The bundle to run: `--script` as given, else dist/<scenario>.js after a build. */
export async function scenarioBundle(scenario: string, script: string | undefined, cwd: string, build = buildBundles): Promise<string> {
  if (script) {
    const path = resolve(cwd, script);
    if (!existsSync(path)) throw new UsageError(`--script: no such file '${script}'`);
    return path;
  }
  await build();
  const path = resolve(REPO_ROOT, 'dist', `${scenario}.js`);
  if (!existsSync(path)) throw new Error(`the build did not produce dist/${scenario}.js`);
  return path;
}

/** A path as short as possible for a command line run in `cwd`. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
