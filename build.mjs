// Bundles the k6 scenarios: every top-level k6/<name>.ts (not *.test.ts, not k6/lib/) →
// dist/<name>.js, one self-contained ESM file each, importing nothing but k6's own modules.
//   node build.mjs                 build once into dist/
//   node build.mjs --watch         rebuild on every change under k6/ (and lib/duration.ts)
//   node build.mjs --outdir DIR    build into DIR instead (tests use a temporary directory)
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
let watch = false;
let outdir = 'dist';
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--watch') watch = true;
  else if (args[i] === '--outdir' && args[i + 1] !== undefined && !args[i + 1].startsWith('--')) outdir = resolve(args[++i]);
  else {
    console.error(`build.mjs: unknown or incomplete argument ${args[i]} (accepted: --watch, --outdir DIR)`);
    process.exit(2);
  }
}

/**
 * Scenario entry points: the .ts files directly in k6/, found once at start (a scenario added while
 * --watch runs needs a restart). Shared code lives in k6/lib/ and tests end in .test.ts, so neither
 * becomes a bundle.
 */
const ENTRY_POINTS = readdirSync(join(root, 'k6'), { withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts'))
  .map((e) => e.name.slice(0, -'.ts'.length))
  .sort();

/** @type {import('esbuild').BuildOptions} */
const options = {
  absWorkingDir: root,
  // Explicit entries; `[name]` below keeps dist/<scenario>.js.
  entryPoints: ENTRY_POINTS.map((name) => `k6/${name}.ts`),
  entryNames: '[name]',
  outdir,
  // Inline the shared lib so each scenario is one file k6 can run (k6 resolves no node_modules).
  bundle: true,
  // ES modules: k6 runs them natively since v0.53.
  format: 'esm',
  // Neither Node nor a browser: no built-in shims, no `process`, no browser field resolution.
  platform: 'neutral',
  // sobek (k6's runtime) handles ES2020 syntax, async/await included; newer syntax is lowered.
  target: 'es2020',
  // Provided by k6 at run time; remote jslib URLs would be fetched by k6, never bundled.
  external: ['k6', 'k6/*', 'https://*'],
  // Inline maps: k6 reads `//# sourceMappingURL=` data URLs, and the file stays self-contained
  // for `k6 cloud run` archives and the embedded engine.
  sourcemap: 'inline',
  // Readable output: stack traces and diffs of dist/ stay meaningful; the bundles are small anyway.
  minify: false,
  // The metafile feeds the summary line below (and nothing else).
  metafile: true,
  // Fail on warnings' worst cousins only; esbuild reports warnings to stderr itself.
  logLevel: 'warning',
};

function report(result) {
  const outputs = result.metafile?.outputs ?? {};
  for (const [file, info] of Object.entries(outputs)) {
    console.log(`built ${file} (${(info.bytes / 1024).toFixed(1)} KiB incl. source map)`);
  }
}

if (watch) {
  const ctx = await esbuild.context({
    ...options,
    plugins: [
      {
        name: 'report',
        setup(build) {
          build.onEnd((result) => {
            if (result.errors.length === 0) report(result);
          });
        },
      },
    ],
  });
  await ctx.watch();
  console.log('watching k6/ for changes (Ctrl-C to stop)');
} else {
  try {
    report(await esbuild.build(options));
  } catch {
    // esbuild already printed the errors.
    process.exit(1);
  }
}
