// The bundles as k6 will see them: built by build.mjs (into a temporary directory, so runs of
// other tests reading dist/ are not disturbed), ESM, importing nothing but k6 modules.
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCENARIOS = ['basic', 'streaming', 'streaming-sse', 'concurrency', 'tools', 'responses'];
/** Code only, source map excluded. Today ~26-33 KiB; a validation library would blow it. */
const CODE_BUDGET_BYTES = 48 * 1024;
const MAP_MARKER = '//# sourceMappingURL=data:application/json;base64,';

let outdir: string;

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'llmux-k6-bundle-'));
  await run(process.execPath, [join(ROOT, 'build.mjs'), '--outdir', outdir], { cwd: ROOT, timeout: 60_000 });
});

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

function splitBundle(scenario: string): { code: string; map: { sources: string[] } } {
  const text = readFileSync(join(outdir, `${scenario}.js`), 'utf8');
  const at = text.lastIndexOf(MAP_MARKER);
  expect(at, 'inline source map').toBeGreaterThan(0);
  const map = JSON.parse(Buffer.from(text.slice(at + MAP_MARKER.length).trim(), 'base64').toString('utf8'));
  return { code: text.slice(0, at), map };
}

/** esbuild's metafile for one file, nothing resolved (everything external). */
async function metafileOf(file: string) {
  const result = await esbuild.build({
    entryPoints: [file],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'neutral',
    external: ['*'],
    logLevel: 'silent',
  });
  return result.metafile;
}

/** Every import of a file, as esbuild's parser sees it. */
async function importsOf(file: string): Promise<{ path: string; kind: string }[]> {
  const metafile = await metafileOf(file);
  return Object.values(metafile.inputs).flatMap((input) => input.imports.map(({ path, kind }) => ({ path, kind })));
}

async function exportsOf(file: string): Promise<string[]> {
  const metafile = await metafileOf(file);
  return Object.values(metafile.outputs)[0].exports.sort();
}

describe('build.mjs flags', () => {
  it('--watch builds, then keeps watching until stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmux-k6-watch-'));
    const child = spawn(process.execPath, [join(ROOT, 'build.mjs'), '--watch', '--outdir', dir], { cwd: ROOT });
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no build within 30 s: ${out}`)), 30_000);
        child.stdout.on('data', (d) => {
          out += d;
          if (out.includes('watching') && (out.match(/^built /gm) ?? []).length >= SCENARIOS.length) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
      });
      expect(child.exitCode).toBeNull();
      for (const scenario of SCENARIOS) expect(readFileSync(join(dir, `${scenario}.js`), 'utf8')).toContain('handleSummary');
    } finally {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds every top-level k6/*.ts (a new scenario too), never a test or a k6/lib module', async () => {
    // A copy of the project's build inputs, so the new entry never touches the real k6/.
    const dir = mkdtempSync(join(tmpdir(), 'llmux-k6-entries-'));
    try {
      cpSync(join(ROOT, 'k6'), join(dir, 'k6'), { recursive: true });
      mkdirSync(join(dir, 'lib'));
      copyFileSync(join(ROOT, 'lib', 'duration.ts'), join(dir, 'lib', 'duration.ts'));
      cpSync(join(ROOT, 'contract'), join(dir, 'contract'), { recursive: true });
      copyFileSync(join(ROOT, 'build.mjs'), join(dir, 'build.mjs'));
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
      writeFileSync(join(dir, 'k6', 'extra.ts'), "import http from 'k6/http';\nexport default function () {\n  http.get('http://127.0.0.1:1/');\n}\n");
      const out = join(dir, 'out');
      await run(process.execPath, [join(dir, 'build.mjs'), '--outdir', out], { cwd: dir, timeout: 60_000 });
      expect(readdirSync(out).sort()).toEqual([...SCENARIOS, 'extra'].map((n) => `${n}.js`).sort());
      expect(readFileSync(join(out, 'extra.js'), 'utf8')).toContain("from \"k6/http\"");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown flag with exit 2 and one line', async () => {
    const err = await run(process.execPath, [join(ROOT, 'build.mjs'), '--minify']).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 2 });
    expect((err as { stderr: string }).stderr.trim()).toBe(
      'build.mjs: unknown or incomplete argument --minify (accepted: --watch, --outdir DIR)',
    );
  });
});

describe('k6/lib', () => {
  it('only runtime.ts imports k6: the rest is plain code, unit tested in Node', async () => {
    const libDir = join(ROOT, 'k6', 'lib');
    const modules = readdirSync(libDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(modules).toContain('runtime.ts');
    for (const file of modules) {
      const imports = (await importsOf(join(libDir, file))).map((i) => i.path);
      const k6Imports = imports.filter((path) => path === 'k6' || path.startsWith('k6/'));
      if (file === 'runtime.ts') expect(k6Imports.length).toBeGreaterThan(0);
      else expect(k6Imports, file).toEqual([]);
      // Relative imports only (and lib/duration.ts): no packages, no Node built-ins.
      for (const path of imports.filter((p) => !k6Imports.includes(p))) expect(path, file).toMatch(/^\.\.?\//);
    }
  });
});

describe('import checks can fail (controls)', () => {
  it('sees a Node built-in, a require() and a bare npm import', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmux-k6-control-'));
    try {
      const file = join(dir, 'bad.js');
      writeFileSync(file, "import fs from 'node:fs';\nimport z from 'zod';\nconst p = require('path');\nexport default () => [fs, z, p];\n");
      expect(await importsOf(file)).toEqual([
        { path: 'node:fs', kind: 'import-statement' },
        { path: 'zod', kind: 'import-statement' },
        { path: 'path', kind: 'require-call' },
      ]);
      const broken = join(dir, 'broken.mjs');
      writeFileSync(broken, 'export default function ( {\n');
      await expect(run(process.execPath, ['--check', broken])).rejects.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(SCENARIOS)('dist/%s.js', (scenario) => {
  it('parses as an ES module (node --check)', async () => {
    const copy = join(outdir, `${scenario}.check.mjs`);
    copyFileSync(join(outdir, `${scenario}.js`), copy);
    await run(process.execPath, ['--check', copy]);
  });

  it('imports nothing but k6 modules, with static import statements', async () => {
    const imports = await importsOf(join(outdir, `${scenario}.js`));
    expect(imports.length).toBeGreaterThan(0);
    for (const { path, kind } of imports) {
      expect(path === 'k6' || path.startsWith('k6/'), path).toBe(true);
      expect(kind).toBe('import-statement');
    }
    expect(imports.map((i) => i.path)).toEqual(expect.arrayContaining(['k6', 'k6/http', 'k6/execution', 'k6/metrics']));
    // The per-token bundle reads the stream with the xk6-sse extension.
    if (scenario === 'streaming-sse') expect(imports.map((i) => i.path)).toContain('k6/x/sse');
  });

  it('exports options, setup, default and handleSummary', async () => {
    expect(await exportsOf(join(outdir, `${scenario}.js`))).toEqual(['default', 'handleSummary', 'options', 'setup']);
  });

  it('contains no Node built-ins, require() or bundled libraries, and stays small', () => {
    const { code, map } = splitBundle(scenario);
    expect(code).not.toMatch(/\brequire\s*\(/);
    expect(code).not.toMatch(/\bprocess\.|\bBuffer\b|__dirname|from ["']node:/);
    expect(code).not.toMatch(/\bsleep\(|http\.(get|post|request|batch)\(/);
    expect(code).toContain(scenario === 'streaming-sse' ? 'await sse.open(' : 'http.asyncRequest(');
    expect(code.length).toBeLessThan(CODE_BUDGET_BYTES);
    // Sources: our k6/ code, the env contract (contract/) and the pure lib/duration.ts, nothing from node_modules.
    const sources = map.sources.map((source) => relative(ROOT, resolve(outdir, source)));
    for (const source of sources) expect(source).toMatch(/^(k6\/[\w/-]+|contract\/[\w-]+|lib\/duration)\.ts$/);
    expect(sources).toContain(`k6/${scenario}.ts`);
  });
});
