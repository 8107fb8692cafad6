// Error positions in the user's terms: the real CLI runs scripts that throw on known lines, from
// event-loop and worker VUs, .js and .ts entries, imported modules, the init stage, setup and
// teardown; every ERRO line and script error must name the source file, line and column (k6 does),
// not the esbuild bundle the VUs evaluate.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runEngine, tempDir } from './test-helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function script(name: string, lines: string[]): string {
  const file = join(tmp.dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** "file:///dir/name:LINE:COL" of the first `marker` in `lines` (1-based, as V8 and k6 count). */
function at(name: string, lines: string[], marker: string): string {
  const line = lines.findIndex((l) => l.includes(marker));
  if (line < 0) throw new Error(`marker ${marker} not in ${name}`);
  return `${pathToFileURL(join(tmp.dir, name)).href}:${line + 1}:${lines[line].indexOf(marker) + 1}`;
}

// An imported module whose throw sits below a comment block, so its bundle line differs.
const LIB = ['// helpers', '/* several', '   lines */', 'export function boom(message) {', "  const prefix = 'lib: ';", '  throw new Error(prefix + message);', '}'];
script('lib.js', LIB);

/** The frames of the first ERRO line's stack (text up to its fields). */
function erroStack(stderr: string): string {
  const start = stderr.indexOf('ERRO[');
  expect(start).toBeGreaterThanOrEqual(0);
  return stderr.slice(start, stderr.indexOf('source=stacktrace', start));
}

describe('engine: error positions name the source, not the bundle', () => {
  it('an iteration error on an event-loop VU, thrown in an imported module', async () => {
    const lines = ["import { boom } from './lib.js';", 'export const options = { iterations: 1 };', '', 'export default async function () {', "  boom('loop');", '}'];
    const file = script('loop.js', lines);
    const r = await runEngine(['run', '-q', '--no-summary', file]);
    const stack = erroStack(r.stderr);
    expect(stack).toContain('Error: lib: loop');
    expect(stack).toContain(`at boom (${at('lib.js', LIB, 'new Error')})`);
    expect(stack).toContain(`(${at('loop.js', lines, "boom('loop')")})`);
    // The engine's frames below the script's are not shown.
    expect(stack).not.toMatch(/executors\.ts|run\.ts|node:/);
  });

  it('a wait where a rewritten script cannot pause: the message, the script frames, none of the runtime', async () => {
    const lines = ["import http from 'k6/http';", 'export const options = { iterations: 1 };', 'export default function () {', '  [2, 1].sort((a, b) => http.get(`http://127.0.0.1:1/${a}`).status - b);', '}'];
    const file = script('sort-wait.js', lines);
    const r = await runEngine(['run', '-q', '--no-summary', file]);
    const stack = erroStack(r.stderr);
    expect(stack).toContain('the engine cannot pause there; run the script with --sync-vus threads');
    // As V8 places a method call: at the method's name.
    expect(stack).toContain(`at sort_wait_default (${at('sort-wait.js', lines, 'sort((a, b)')})`);
    expect(stack).not.toMatch(/coroutines\.ts/);
  });

  it('an iteration error on a worker VU, from a .ts entry script and an imported module', async () => {
    const lines = [
      "import http from 'k6/http';",
      "import { boom } from './lib.js';",
      'interface Knob {',
      '  on: boolean;',
      '}',
      'export const options = { iterations: 2, vus: 1 };',
      '',
      'export default function (): void {',
      '  const knob: Knob = { on: __ITER === 0 };',
      "  if (knob.on) throw new TypeError('typed ' + typeof http.get);",
      "  boom('worker');",
      '}',
    ];
    const file = script('worker.ts', lines);
    const r = await runEngine(['run', '-q', '--no-summary', file], { timeoutMs: 60_000 });
    const typed = r.stderr.slice(r.stderr.indexOf('TypeError: typed'));
    expect(typed.split('\n')[1]).toMatch(new RegExp(`^\\s+at \\S+ \\(${escape(at('worker.ts', lines, "new TypeError"))}\\)  executor=`));
    const fromLib = r.stderr.slice(r.stderr.indexOf('Error: lib: worker'));
    expect(fromLib.split('\n').slice(1, 3)).toEqual([
      `    at boom (${at('lib.js', LIB, 'new Error')})`,
      expect.stringMatching(new RegExp(`^\\s+at \\S+ \\(${escape(at('worker.ts', lines, "boom('worker')"))}\\)  executor=`)),
    ]);
    expect(r.stderr).not.toContain('llmux-worker-vu');
  });

  it('an init-stage error exits 107 with the source position, on the main thread and in a worker VU', async () => {
    const lines = ['type N = number;', 'const n: N = 1;', 'export const options = { iterations: 1 };', "if (n === 1) throw new Error('init boom');", 'export default function () {}'];
    const r = await runEngine(['run', '-q', script('init.ts', lines)]);
    expect(r.code).toBe(107);
    expect(r.stderr).toContain(`script error: Error: init boom\n    at ${at('init.ts', lines, 'new Error')}`);

    // Only the VUs' own init throws (the main thread's evaluation has __VU 0).
    const vuLines = ["import http from 'k6/http';", 'export const options = { iterations: 1 };', '', "if (__VU > 0) throw new Error('vu init boom ' + typeof http);", 'export default function () {}'];
    const v = await runEngine(['run', '-q', script('vu-init.js', vuLines)], { timeoutMs: 60_000 });
    expect(v.code).toBe(107);
    expect(v.stderr).toContain(`Error: vu init boom object\n    at ${at('vu-init.js', vuLines, 'new Error')}`);
  });

  it('setup() and teardown() errors, on a worker VU and on the event loop', async () => {
    const setupLines = ["import { sleep } from 'k6';", 'export const options = { iterations: 1 };', 'export function setup() {', '  sleep(0);', "  throw new Error('setup boom');", '}', 'export default function () {}'];
    const s = await runEngine(['run', '-q', script('setup.js', setupLines)], { timeoutMs: 60_000 });
    expect(s.code).toBe(107);
    expect(s.stderr).toContain(`setup() failed: Error: setup boom\n    at setup (${at('setup.js', setupLines, 'new Error')})`);

    const teardownLines = ["import { boom } from './lib.js';", 'export const options = { iterations: 1 };', 'export default async function () {}', 'export function teardown() {', "  boom('teardown');", '}'];
    const t = await runEngine(['run', '-q', script('teardown.js', teardownLines)]);
    expect(t.code).toBe(107);
    expect(t.stderr).toContain(`teardown() failed: Error: lib: teardown\n    at boom (${at('lib.js', LIB, 'new Error')})\n    at teardown (${at('teardown.js', teardownLines, "boom('teardown')")})`);
  });
});

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
