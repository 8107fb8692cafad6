// Loads a k6 script into this Node realm: registers the module hooks that map `k6/*` imports to
// the engine's shims, installs k6's globals (__ENV, __VU, __ITER, open) and imports the script.
import { readFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { K6_MODULES } from './modules/index.ts';
import { currentRun, maybeCurrentRun } from './runtime.ts';
import { currentStore } from './vu.ts';

const MODULES_KEY = Symbol.for('llmux.k6.modules');
const g = globalThis as Record<string | symbol, unknown>;

/** Registers the hooks once per process. */
function ensureHooks(): void {
  if (g[MODULES_KEY]) return;
  g[MODULES_KEY] = Object.fromEntries(Object.entries(K6_MODULES).map(([name, mod]) => [name, { ...mod }]));
  const exportsByModule = Object.fromEntries(Object.entries(K6_MODULES).map(([name, mod]) => [name, Object.keys(mod)]));
  register(new URL('./loader-hooks.mjs', import.meta.url), { data: { exportsByModule } });
}

/** k6's open(): files relative to the script, in the init stage only; 'b' returns an ArrayBuffer. */
function open(path: string, mode?: string): string | ArrayBuffer {
  const run = currentRun();
  if (run.phase !== 'init') {
    throw new Error('the "open" function is only available in the init stage (i.e. the global scope)');
  }
  const full = resolve(dirname(run.scriptPath), String(path));
  const buf = readFileSync(full);
  if (mode === 'b') return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  return buf.toString('utf8');
}

function installGlobals(): void {
  const define = (name: string, get: () => unknown) =>
    Object.defineProperty(globalThis, name, { get, configurable: true, enumerable: false });
  define('__VU', () => currentStore()?.vu.id ?? 0);
  define('__ITER', () => {
    const vu = currentStore()?.vu;
    return vu ? Math.max(vu.iteration, 0) : 0;
  });
  define('__ENV', () => currentStore()?.vu.env ?? maybeCurrentRun()?.env ?? {});
  Object.defineProperty(globalThis, 'open', { value: open, configurable: true, writable: true, enumerable: false });
}

/**
 * Node's own dynamic import, out of reach of bundler-style transforms (vitest rewrites `import()` in
 * the modules it loads), so the script always goes through the hooks registered above.
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const nativeImport = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

export type ScriptExports = Record<string, unknown> & {
  options?: Record<string, unknown>;
  default?: (data: unknown) => unknown;
  setup?: () => unknown;
  teardown?: (data: unknown) => unknown;
  handleSummary?: (data: unknown) => unknown;
};

/** Imports the script (its top level is k6's init stage). Errors propagate as script errors. */
export async function loadScript(scriptPath: string, runNumber = 1): Promise<ScriptExports> {
  ensureHooks();
  installGlobals();
  // A later run in the same process re-evaluates the script (its own init stage, fresh metrics).
  const url = `${pathToFileURL(resolve(scriptPath)).href}?k6script=${runNumber}`;
  return (await nativeImport(url)) as ScriptExports;
}
