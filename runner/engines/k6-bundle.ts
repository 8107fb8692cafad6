// Where a scenario's bundle is: `--script` as given, else dist/<scenario>.js, built first when
// missing or stale (runner/engines/build.ts).
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { UsageError } from '../../lib/cli.ts';
import { ensureBuilt, scriptPath } from './build.ts';

export async function buildBundles(): Promise<void> {
  await ensureBuilt();
}

/** The bundle to run: `--script` as given, else dist/<scenario>.js after a build. */
export async function scenarioBundle(scenario: string, script: string | undefined, cwd: string, build = buildBundles): Promise<string> {
  if (script) {
    const path = resolve(cwd, script);
    if (!existsSync(path)) throw new UsageError(`--script: no such file '${script}'`);
    return path;
  }
  await build();
  const path = scriptPath(scenario);
  if (!existsSync(path)) throw new Error(`the build did not produce dist/${scenario}.js`);
  return path;
}

/** A path as short as possible for a command line run in `cwd`. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
