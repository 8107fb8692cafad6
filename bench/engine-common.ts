// Shared by the engine benchmarks: CPU pinning, the mock as a child process, and one engine run as
// a child process (its summary export and its peak RSS read from /proc).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMockProcess, type MockProcess } from '../runner/processes/mock-process.ts';
import { processCpuMs } from './mock-common.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'llmux-bench.mjs');

const hasTaskset = spawnSync('taskset', ['-V']).status === 0;
/** `taskset -c N` prefix when taskset exists and the machine has two cores or more. */
export const pin = (core: number): string[] => (hasTaskset && cpus().length >= 2 ? ['taskset', '-c', String(core)] : []);
export const pinningNote = (): string => (pin(0).length ? 'mock pinned to CPU 0, load generator to CPU 1 (taskset)' : 'no CPU pinning (taskset or a second core missing)');

export function machine(): string {
  return `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${process.platform}`;
}

export async function startMock(args: string[]): Promise<MockProcess> {
  return startMockProcess(args, { prefix: pin(0) });
}

export function scratch(): { dir: string; write(name: string, text: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'engine-bench-'));
  return {
    dir,
    write: (name, text) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** CPU time (user + system, ms) a process used so far; null when gone. */
export const cpuMs = (pid: number): number | null => processCpuMs(pid);

function rssKb(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    return { rss, hwm };
  } catch {
    return null;
  }
}

export interface EngineRunResult {
  code: number | null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  summary: any;
  peakRssBytes: number | null;
  /** CPU time (ms) of the engine process, last reading before it exited (100 ms sampling). */
  cpuMs: number | null;
  stderr: string;
  wallMs: number;
}

/**
 * Runs `llmux-bench engine run -q --summary-export <tmp> ...args` pinned to CPU 1 (unless `pinned`
 * is false); samples RSS every 100 ms. `bin`: another checkout's bin/llmux-bench.mjs (A/B runs).
 */
export async function runEngineProcess(args: string[], summaryPath: string, timeoutMs = 300_000, pinned = true, bin = BIN): Promise<EngineRunResult> {
  const argv = [...(pinned ? pin(1) : []), process.execPath, bin, 'engine', 'run', '-q', '--summary-export', summaryPath, ...args];
  const started = Date.now();
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-20_000)));
  let peakKb = 0;
  let cpu: number | null = null;
  const sampler = setInterval(() => {
    const c = child.pid ? cpuMs(child.pid) : null;
    if (c !== null) cpu = c;
    const m = child.pid ? rssKb(child.pid) : null;
    // A process on its way out has no VmRSS line: keep only real readings.
    if (m) for (const kb of [m.rss, m.hwm]) if (Number.isFinite(kb)) peakKb = Math.max(peakKb, kb);
  }, 100);
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(sampler);
  clearTimeout(killer);
  let summary: unknown = null;
  try {
    summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
  } catch {
    summary = null;
  }
  return { code, summary, peakRssBytes: peakKb > 0 ? peakKb * 1024 : null, cpuMs: cpu, stderr, wallMs: Date.now() - started };
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
