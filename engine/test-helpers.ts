// Helpers for the engine's tests: run the real CLI in a child process and read what it wrote.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { startMockServer, type RunningMock } from '../mock/server.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'llmux-bench.mjs');
export const PROBE = join(ROOT, 'engine', 'testdata', 'probe.js');

export interface EngineRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `llmux-bench engine <args>` (`env` added to the environment); kills it after `timeoutMs`. `onStart` gets the child (e.g. to send SIGINT). */
export function runEngine(args: string[], opts: { timeoutMs?: number; onStart?: (child: ChildProcess) => void; env?: Record<string, string> } = {}): Promise<EngineRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'engine', ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    opts.onStart?.(child);
  });
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'engine-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One iteration on one VU: the smallest scenario the probe script runs. */
export const ONCE = { scenarios: { s: { executor: 'shared-iterations', vus: 1, iterations: 1 } } };

/**
 * Per-file fixture: a real mock (no latency, 3 tokens) started before the file's tests and closed
 * after, a temporary directory, and numbered output paths inside it.
 */
export function mockFixture(): { readonly mock: RunningMock; dir: string; out: (ext?: string) => string } {
  const tmp = tempDir();
  let running: RunningMock | undefined;
  let n = 0;
  beforeAll(async () => {
    running = await startMockServer({ port: 0, latencyMs: 0, itlMs: 0, tokens: 3 });
  });
  afterAll(async () => {
    await running?.close();
    tmp.cleanup();
  });
  return {
    get mock() {
      if (!running) throw new Error('mockFixture: the mock is not running (used outside a test?)');
      return running;
    },
    dir: tmp.dir,
    out: (ext = 'json') => join(tmp.dir, `out-${++n}.${ext}`),
  };
}

export interface ProbeOutput {
  seen: Array<{ vu: number; iter: number; scenario: string; inTest: number; env: string | null; t: number; setupVu: number }>;
  timingErrors: string[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
}

export const readProbe = (path: string): ProbeOutput => JSON.parse(readFileSync(path, 'utf8'));

/** Arguments running the probe script with the given options and env. */
export function probeArgs(target: string, out: string, options: unknown, env: Record<string, string> = {}, extra: string[] = []): string[] {
  const e = { TARGET: target, OUT: out, OPTIONS: JSON.stringify(options), ...env };
  return ['run', '-q', ...Object.entries(e).flatMap(([k, v]) => ['-e', `${k}=${v}`]), ...extra, PROBE];
}
