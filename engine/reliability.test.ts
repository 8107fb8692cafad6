// Faults around the engine's process: output pipes closed by their reader, errors after the last
// iteration, a teardown that never ends. Each runs the real CLI with real pipes and signals.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runEngine, tempDir } from './test-helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function script(name: string, text: string): string {
  const file = join(tmp.dir, name);
  writeFileSync(file, text);
  return file;
}

// console.log on every iteration: a stream of stderr lines (the "chatty.js").
const chatty = (duration: string) => script(`chatty-${duration}.js`, `export const options = { vus: 1, duration: '${duration}' };\nexport default function () { console.log('line ' + Date.now()); }\n`);

interface Piped {
  engine: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  headDone: Promise<string>;
}

/**
 * `llmux-bench engine run <args>` with one of its output streams piped into `head -2` (the other
 * to /dev/null), as the shell does for `... 2>&1 >/dev/null | head -2` or `... | head -2`.
 */
function pipeIntoHead(args: string[], stream: 'stdout' | 'stderr'): Piped {
  const head = spawn('head', ['-2'], { stdio: ['pipe', 'pipe', 'ignore'] });
  let seen = '';
  head.stdout!.on('data', (d: Buffer) => (seen += d.toString()));
  const headDone = new Promise<string>((resolve) => head.once('close', () => resolve(seen)));
  const t0 = Date.now();
  const engine = spawn(process.execPath, [BIN, 'engine', ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', stream === 'stdout' ? head.stdin! : 'ignore', stream === 'stderr' ? head.stdin! : 'ignore'],
  });
  // Only head reads the pipe and only the engine writes it: our copy of the write end goes.
  head.stdin!.destroy();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>((resolve) =>
    engine.once('exit', (code, signal) => resolve({ code, signal, ms: Date.now() - t0 })),
  );
  const timer = setTimeout(() => engine.kill('SIGKILL'), 100_000);
  void exited.then(() => clearTimeout(timer));
  return { engine, exited, headDone };
}

describe('engine: output closed by its reader', { timeout: 120_000 }, () => {
  it('finishes the run when stderr is a pipe that head closed (no EPIPE loop), summary export written', async () => {
    const summary = join(tmp.dir, 'closed-stderr.json');
    const { exited, headDone } = pipeIntoHead(['run', '--summary-export', summary, chatty('3s')], 'stderr');
    expect((await headDone).split('\n')).toHaveLength(3); // two lines, each ending in \n
    const exit = await exited;
    expect(exit.signal).toBeNull();
    expect(exit.code).toBe(0);
    // 3 s of load, start-up and summary (slow on a loaded machine): never the endless loop.
    expect(exit.ms).toBeLessThan(60_000);
    const exported = JSON.parse(readFileSync(summary, 'utf8')) as { metrics: { iterations: { count: number } } };
    expect(exported.metrics.iterations.count).toBeGreaterThan(10);
  });

  it('stays responsive to SIGTERM while its stderr reader is gone: stops within seconds with exit 105', async () => {
    const summary = join(tmp.dir, 'closed-stderr-term.json');
    const { engine, exited, headDone } = pipeIntoHead(['run', '--summary-export', summary, chatty('60s')], 'stderr');
    await headDone;
    await new Promise((resolve) => setTimeout(resolve, 1000)); // writes have been failing for a second
    const sent = Date.now();
    engine.kill('SIGTERM');
    const exit = await exited;
    expect(exit.code).toBe(105);
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(existsSync(summary)).toBe(true);
  });

  it('keeps its exit code when stdout is a pipe closed before the summary is printed', async () => {
    const { exited, headDone } = pipeIntoHead(['run', '--iterations', '200', chatty('1s')], 'stdout');
    const exit = await exited;
    expect(exit.signal).toBeNull();
    expect(exit.code).toBe(0);
    // head got the first two lines of the end-of-test summary.
    expect((await headDone).split('\n')).toHaveLength(3);
  });
});

describe('engine: errors after the last iteration', () => {
  it('logs a late rejection and a late throwing timer as one line each, exit code unchanged', async () => {
    const late = script(
      'late.js',
      `export const options = { vus: 1, iterations: 1 };
export default async function () {}
export function handleSummary() {
  setTimeout(() => { throw new Error('late timer boom'); }, 300);
  setTimeout(() => { Promise.reject(new Error('late rejection')); }, 150);
  return { stderr: 'SUMMARY DONE\\n' };
}
`,
    );
    const r = await runEngine(['run', '-q', late]);
    expect(r.code).toBe(0);
    const after = r.stderr.slice(r.stderr.indexOf('SUMMARY DONE'));
    const lines = after.split('\n').filter(Boolean);
    expect(lines).toEqual([
      'SUMMARY DONE',
      // Positions are the source's (engine/source-positions.test.ts checks them exactly).
      expect.stringMatching(/^ERRO\[\d{4}\] Uncaught \(in promise\) Error: late rejection at \S*late\.js:\d+:\d+  source=stacktrace$/),
      expect.stringMatching(/^ERRO\[\d{4}\] Uncaught Error: late timer boom at \S*late\.js:\d+:\d+  source=stacktrace$/),
    ]);
    // Failed thresholds stay 99 through a late error.
    const failing = script('late-99.js', readFileSync(late, 'utf8').replace('iterations: 1 }', "iterations: 1, thresholds: { iterations: ['count>5'] } }"));
    const r99 = await runEngine(['run', '-q', failing]);
    expect(r99.code).toBe(99);
    expect(r99.stderr).toContain('Uncaught Error: late timer boom');
    expect(r99.stderr).not.toMatch(/^\s+at /m);
  });

  it('logs them as one line each on worker VUs too (teardown, handleSummary, an iteration), exit code unchanged', async () => {
    const lines = [
      "import http from 'k6/http';",
      "import { sleep } from 'k6';",
      'export const options = { vus: 1, iterations: 1 };',
      'export default function () {',
      '  sleep(0.01);',
      "  Promise.reject(new Error('iteration rejection ' + typeof http.get));",
      '}',
      'export function teardown() {',
      "  setTimeout(() => { throw new Error('teardown timer boom'); }, 50);",
      '}',
      'export function handleSummary() {',
      "  setTimeout(() => { throw new Error('late timer boom'); }, 300);",
      "  setTimeout(() => { Promise.reject(new Error('late rejection')); }, 150);",
      "  return { stderr: 'SUMMARY DONE\\n' };",
      '}',
    ];
    const file = script('late-worker.js', lines.join('\n'));
    const at = (marker: string) => {
      const line = lines.findIndex((l) => l.includes(marker));
      return `${pathToFileURL(file).href}:${line + 1}:${lines[line].indexOf('new Error') + 1}`;
    };
    const r = await runEngine(['run', '-q', file], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('SUMMARY DONE');
    expect(r.stderr).not.toMatch(/failed|stopped|^\s+at /m);
    // By their text: the errors may straddle a second of the run, so their ERRO[...] times differ.
    const byText = (l: string) => l.replace(/^ERRO\[\d{4}\] /, '');
    const erro = r.stderr.split('\n').filter((l) => l.startsWith('ERRO'));
    expect(erro.sort((a, b) => (byText(a) < byText(b) ? -1 : 1))).toEqual([
      expect.stringMatching(new RegExp(`^ERRO\\[\\d{4}\\] Uncaught \\(in promise\\) Error: iteration rejection function at ${at('iteration rejection')}  source=stacktrace$`)),
      expect.stringMatching(new RegExp(`^ERRO\\[\\d{4}\\] Uncaught \\(in promise\\) Error: late rejection at ${at('late rejection')}  source=stacktrace$`)),
      expect.stringMatching(new RegExp(`^ERRO\\[\\d{4}\\] Uncaught Error: late timer boom at ${at('late timer boom')}  source=stacktrace$`)),
      expect.stringMatching(new RegExp(`^ERRO\\[\\d{4}\\] Uncaught Error: teardown timer boom at ${at('teardown timer boom')}  source=stacktrace$`)),
    ]);
    // Failed thresholds stay 99 through them.
    const failing = script('late-worker-99.js', readFileSync(file, 'utf8').replace('iterations: 1 }', "iterations: 1, thresholds: { iterations: ['count>5'] } }"));
    const r99 = await runEngine(['run', '-q', failing], { timeoutMs: 60_000 });
    expect(r99.code).toBe(99);
    expect(r99.stderr).toContain('Uncaught Error: late timer boom');
  });

  it("exits 101 (k6's teardown timeout) when teardown() outlives teardownTimeout, summary still printed", async () => {
    const slow = script(
      'teardown-timeout.js',
      `export const options = { vus: 1, iterations: 1, teardownTimeout: '1s' };
export default function () {}
export function teardown() { return new Promise((resolve) => setTimeout(resolve, 30000)); }
`,
    );
    const r = await runEngine(['run', '-q', slow]);
    expect(r.code).toBe(101);
    expect(r.stderr).toContain('teardown() failed: teardown() execution timed out after 1 seconds');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stdout).toContain('iterations');
  });
});
