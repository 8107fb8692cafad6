// Node module customization hooks (module.register): resolve `k6` and `k6/*` imports of a k6 script
// to small generated modules that re-export the engine's shims from a global table. The shims
// themselves stay ordinary TypeScript modules of the engine, so the script and the engine share
// one instance of each, whatever loader (tsx, vitest) loaded the engine.
// Plain JavaScript: this file runs on Node's hooks thread, before any TypeScript loader applies.

import { readFile } from 'node:fs/promises';

const SCHEME = 'llmux-k6:';
/** Query parameter marking the k6 script and the files it imports: they load as ES modules. */
const MARK = 'k6script';
/** @type {Record<string, string[]>} module specifier -> named exports */
let exportsByModule = {};

/** @param {{ exportsByModule: Record<string, string[]> }} data */
export function initialize(data) {
  exportsByModule = data.exportsByModule;
}

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'k6' || specifier.startsWith('k6/')) {
    if (!Object.hasOwn(exportsByModule, specifier)) {
      throw new Error(`the embedded engine does not provide the module '${specifier}' (it has ${Object.keys(exportsByModule).join(', ')})`);
    }
    return { url: SCHEME + specifier, shortCircuit: true };
  }
  if (/^https?:\/\//.test(specifier)) {
    throw new Error(`remote module '${specifier}': the embedded engine loads local files only; bundle it into the script`);
  }
  // The script and its relative imports resolve like k6 (and browsers): exact file names, without
  // the TypeScript loader's habit of trying "x.ts" for "x.js".
  if (specifier.startsWith('file:') && new URL(specifier).searchParams.has(MARK)) {
    return { url: specifier, shortCircuit: true };
  }
  const parent = context.parentURL?.startsWith('file:') ? new URL(context.parentURL) : null;
  if (parent?.searchParams.has(MARK) && /^(\.{1,2}\/|\/)/.test(specifier)) {
    const url = new URL(specifier, parent);
    url.search = '';
    url.searchParams.set(MARK, parent.searchParams.get(MARK));
    return { url: url.href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && url.includes(MARK)) {
    const parsed = new URL(url);
    // k6 scripts are ES modules wherever they live (no package.json "type" needed); plain
    // JavaScript is read as is, anything else (TypeScript) goes down the loader chain.
    if (parsed.searchParams.has(MARK) && /\.(m?js)$/.test(parsed.pathname)) {
      return { format: 'module', source: await readFile(parsed), shortCircuit: true };
    }
  }
  if (!url.startsWith(SCHEME)) return nextLoad(url, context);
  const name = url.slice(SCHEME.length);
  const names = exportsByModule[name] ?? [];
  const lines = [
    `const m = globalThis[Symbol.for('llmux.k6.modules')][${JSON.stringify(name)}];`,
    'export default m.default ?? m;',
    ...names.filter((n) => n !== 'default').map((n) => `export const ${n} = m[${JSON.stringify(n)}];`),
  ];
  return { format: 'module', source: lines.join('\n'), shortCircuit: true };
}
