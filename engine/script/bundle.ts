// Turns a k6 script (JavaScript or TypeScript, with relative and remote imports) into one CommonJS
// bundle that the engine evaluates once per VU: each evaluation is a fresh init context, so
// module state is per VU as in k6. `k6` and `k6/*` imports stay `require()` calls answered by the
// engine's modules.
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { fetchRemoteModule } from './remote.ts';

export interface ScriptBundle {
  /** The entry script's absolute path (open() resolves against its directory). */
  path: string;
  /** CommonJS code of the whole script. */
  code: string;
  /** esbuild's source map of `code` (JSON; sources relative to the script's directory). */
  sourceMap: string;
  /** True when the script calls one of k6's synchronous APIs (http.get, sleep, ...). */
  callsSyncApis: boolean;
}

/** A script that cannot be bundled (syntax error, missing import): the one-line reason. */
export class ScriptError extends Error {
  override name = 'ScriptError';
}

const REMOTE = /^https?:\/\//;

function remotePlugin(insecure: boolean): Plugin {
  return {
    name: 'k6-remote-modules',
    setup(b) {
      b.onResolve({ filter: REMOTE }, (args) => ({ path: args.path, namespace: 'remote' }));
      // Relative imports inside a remote module are remote too.
      b.onResolve({ filter: /^\.{0,2}\//, namespace: 'remote' }, (args) => ({ path: new URL(args.path, args.importer).href, namespace: 'remote' }));
      b.onLoad({ filter: /.*/, namespace: 'remote' }, async (args) => ({ contents: await fetchRemoteModule(args.path, { insecure }), loader: 'js' }));
    },
  };
}

/** Bundles `scriptPath`; throws ScriptError with esbuild's first message. */
export async function bundleScript(scriptPath: string, opts: { insecureRemote?: boolean } = {}): Promise<ScriptBundle> {
  const path = isAbsolute(scriptPath) ? scriptPath : resolvePath(scriptPath);
  let code: string;
  let sourceMap: string;
  try {
    const result = await build({
      entryPoints: [path],
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'neutral',
      target: 'es2022',
      mainFields: ['module', 'main'],
      // k6 resolves relative imports as written (no extension guessing beyond what esbuild does).
      external: ['k6', 'k6/*'],
      logLevel: 'silent',
      // Scripts are k6 scripts wherever they live: no tsconfig or package.json of the folder applies.
      tsconfigRaw: {},
      plugins: [remotePlugin(opts.insecureRemote === true)],
      // Kept in memory: errors are rendered with the user's file, line and column (source-map.ts).
      // A name beside the script makes the map's sources relative to the script's directory.
      sourcemap: 'external',
      sourcesContent: false,
      outfile: `${path}.bundle.js`,
    });
    const files = result.outputFiles;
    sourceMap = files.find((f) => f.path.endsWith('.map'))!.text;
    // Without its comment: nothing would read the file it names.
    code = files.find((f) => !f.path.endsWith('.map'))!.text.replace(/\n\/\/# sourceMappingURL=\S+\n?$/, '\n');
  } catch (e) {
    const first = (e as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } | null }> }).errors?.[0];
    if (first) {
      const at = first.location ? `${first.location.file}:${first.location.line}:${first.location.column}: ` : '';
      throw new ScriptError(`SyntaxError: ${at}${first.text}`);
    }
    throw e;
  }
  return { path, code, sourceMap, callsSyncApis: callsSyncApis(code) };
}

/** The names of k6's synchronous calls, by module. */
const SYNC_APIS: Record<string, ReadonlySet<string>> = {
  'k6/http': new Set(['get', 'post', 'put', 'patch', 'del', 'head', 'options', 'request', 'batch']),
  k6: new Set(['sleep']),
};
/** Members of those modules that are safe on the shared event loop. */
const ASYNC_SAFE: Record<string, ReadonlySet<string>> = {
  'k6/http': new Set(['asyncRequest', 'url', 'file', 'expectedStatuses', 'setResponseCallback', 'cookieJar', 'CookieJar', 'TLS_1_0', 'TLS_1_1', 'TLS_1_2', 'TLS_1_3', 'OCSP_STATUS_GOOD', 'OCSP_STATUS_REVOKED', 'OCSP_STATUS_UNKNOWN', 'OCSP_STATUS_SERVER_FAILED', 'OCSP_STATUS_SERVER_INTERNAL_ERROR']),
  k6: new Set(['check', 'group', 'fail', 'randomSeed']),
};

/**
 * Whether the bundled code may call a synchronous k6 API. Conservative: every binding of `k6` or
 * `k6/http` must only be used as `binding.member` (or `binding.default.member`) with a member known
 * to be asynchronous-safe; anything else (a sync member, the module passed around as a value)
 * counts as a synchronous call.
 */
export function callsSyncApis(code: string): boolean {
  const bindings = [...code.matchAll(/\b(?:var|let|const)\s+([\w$]+)\s*=\s*(?:__toESM\()?require\("(k6(?:\/http)?)"\)/g)];
  for (const [, binding, mod] of bindings) {
    const safe = ASYNC_SAFE[mod];
    const sync = SYNC_APIS[mod];
    const use = new RegExp(`(?<![\\w$.])${binding.replace(/\$/g, '\\$')}(?![\\w$])(\\.default)?(?:\\.([\\w$]+))?`, 'g');
    let declared = false;
    for (const m of code.matchAll(use)) {
      const member = m[2];
      if (!declared && member === undefined && m[1] === undefined) {
        // The declaration itself.
        declared = true;
        continue;
      }
      if (member === undefined) return true;
      if (sync.has(member)) return true;
      if (!safe.has(member)) return true;
    }
  }
  return false;
}
