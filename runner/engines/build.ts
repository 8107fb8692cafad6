// Builds dist/*.js (node build.mjs) when a bundle is missing or older than its sources, so that
// `npm run bench` works on a fresh clone without a separate build step.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BenchError, lastLine } from '../errors.ts';

const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SCENARIOS = ['basic', 'streaming', 'concurrency', 'tools', 'responses'] as const;
export type Scenario = (typeof SCENARIOS)[number];
/** Every bundle build.mjs makes: the scenarios plus streaming's per-token variant (k6/x/sse). */
export const BUNDLES = [...SCENARIOS, 'streaming-sse'] as const;

export const scriptPath = (scenario: string, root = ROOT): string => join(root, 'dist', `${scenario}.js`);

/** Newest modification time (ms) of the files the bundles are made from. */
function newestSource(root: string): number {
  let newest = 0;
  const visit = (path: string) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) if (entry !== 'node_modules') visit(join(path, entry));
    } else if (/\.(ts|mjs|js|json)$/.test(path)) {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  // The scenarios may import lib/duration.ts (pure code shared with Node).
  for (const path of ['k6', 'build.mjs', 'lib/duration.ts']) visit(join(root, path));
  return newest;
}

export function isBuilt(root = ROOT): boolean {
  const source = newestSource(root);
  return BUNDLES.every((scenario) => {
    const bundle = scriptPath(scenario, root);
    return existsSync(bundle) && statSync(bundle).mtimeMs >= source;
  });
}

/** Runs `node build.mjs` unless every bundle is newer than every source. Returns true if it built. */
export async function ensureBuilt(root = ROOT): Promise<boolean> {
  if (isBuilt(root)) return false;
  if (!existsSync(join(root, 'build.mjs'))) throw new BenchError(`cannot build the scenarios: ${join(root, 'build.mjs')} is missing`);
  try {
    await run(process.execPath, [join(root, 'build.mjs')], { cwd: root, timeout: 120_000 });
  } catch (error) {
    const err = error as { stderr?: string; message: string };
    throw new BenchError(`building the scenarios (node build.mjs) failed: ${lastLine(err.stderr ?? '') || err.message}`);
  }
  return true;
}
