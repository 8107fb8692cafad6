// A bundled script compiled once and evaluated once per VU (k6's per-VU init context). The bundle
// runs inside a function whose parameters shadow a few globals, so each evaluation gets the
// engine's `require` for k6 modules, `open()` and timers that know which VU started them.
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

/** The parameter under which rewritten code (coroutines.ts) finds its runtime. */
export const CO = '__llmux_co';

/** The name a bundle's frames carry: the entry script's file URL, as k6 names it. */
export const bundleUrl = (scriptPath: string): string => pathToFileURL(scriptPath).href;

export type ScriptExports = Record<string, unknown> & {
  options?: Record<string, unknown>;
  default?: (data: unknown) => unknown;
  setup?: () => unknown;
  teardown?: (data: unknown) => unknown;
  handleSummary?: (data: unknown) => unknown;
};

/** What one evaluation of the script sees in place of the globals of the same names. */
export interface InitScope {
  require: (name: string) => unknown;
  open: (path: string, mode?: string) => unknown;
  setTimeout: (...args: never[]) => unknown;
  clearTimeout: (...args: never[]) => unknown;
  setInterval: (...args: never[]) => unknown;
  clearInterval: (...args: never[]) => unknown;
  /** The runtime of code rewritten for event-loop VUs in synchronous style (engine/coroutines.ts). */
  co: unknown;
}

type Factory = (require: InitScope['require'], module: { exports: ScriptExports }, exports: ScriptExports, ...rest: unknown[]) => void;

export class CompiledScript {
  private readonly script: Script;
  private readonly factory: Factory;

  /** `cachedData`: V8's code cache of the same code (codeCache() of another thread's compilation). */
  constructor(
    readonly path: string,
    code: string,
    cachedData?: Uint8Array,
  ) {
    // One line of wrapper before the code: stack traces keep the bundle's line numbers, under the
    // script's file URL (source-map.ts turns them into the source's).
    const source = `(function (require, module, exports, open, setTimeout, clearTimeout, setInterval, clearInterval, ${CO}) {\n${code}\n})`;
    this.script = new Script(source, { filename: bundleUrl(path), lineOffset: -1, cachedData });
    this.factory = this.script.runInThisContext() as Factory;
  }

  /** V8's code cache of this compilation: a worker VU given it compiles the bundle without parsing it again. */
  codeCache(): Uint8Array {
    return this.script.createCachedData();
  }

  /** Runs the init code once more and returns this evaluation's exports. */
  instantiate(scope: InitScope): ScriptExports {
    const module = { exports: {} as ScriptExports };
    this.factory.call(undefined, scope.require, module, module.exports, scope.open, scope.setTimeout, scope.clearTimeout, scope.setInterval, scope.clearInterval, scope.co);
    return module.exports;
  }
}

/** `require` for k6 modules from a table of module objects (ES-module shaped, default included). */
export function moduleRequire(table: Record<string, Record<string, unknown>>): (name: string) => unknown {
  const cache = new Map<string, unknown>();
  return (name: string) => {
    let mod = cache.get(name);
    if (mod !== undefined) return mod;
    const source = table[name];
    if (source === undefined) {
      throw new Error(`the embedded engine does not provide the module '${name}' (it has ${Object.keys(table).join(', ')})`);
    }
    mod = { ...source, default: source.default ?? source, __esModule: true };
    cache.set(name, mod);
    return mod;
  };
}

/** k6's rule for check/group/SharedArray callbacks: async functions are refused. */
export const isAsyncFunction = (fn: unknown): boolean => typeof fn === 'function' && fn.constructor?.name === 'AsyncFunction';
