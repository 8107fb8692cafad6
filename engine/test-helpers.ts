// Helpers for the engine's tests: run the real CLI in a child process and read what it wrote.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'llmux-bench.mjs');
export const PROBE = join(ROOT, 'engine', 'testdata', 'probe.js');

export interface EngineRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `llmux-bench engine <args>`; kills it after `timeoutMs`. `onStart` gets the child (e.g. to send SIGINT). */
export function runEngine(args: string[], opts: { timeoutMs?: number; onStart?: (child: ChildProcess) => void } = {}): Promise<EngineRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'engine', ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
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
