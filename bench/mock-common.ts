// Shared by the mock benchmarks: CPU pinning, child servers that print "... listening on URL",
// and small statistics.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = fileURLToPath(new URL('../bin/llmux-bench.mjs', import.meta.url));

export const hasTaskset = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;

/** Command prefix pinning a child to `core` when taskset exists and the core does. */
export function pin(core: number): string[] {
  return hasTaskset && os.cpus().length > core ? ['taskset', '-c', String(core)] : [];
}

/** Pins this process (all its threads) to `core`; returns whether it did. */
export function pinSelf(core: number): boolean {
  if (!hasTaskset || os.cpus().length <= core) return false;
  return spawnSync('taskset', ['-a', '-cp', String(core), String(process.pid)], { stdio: 'ignore' }).status === 0;
}

export interface Child {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Spawns `argv` and waits for a stdout line "<anything> listening on <url>". */
export function startChild(argv: string[], timeoutMs = 20_000, env: NodeJS.ProcessEnv = {}): Promise<Child> {
  const proc = spawn(argv[0], argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
      setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${argv.join(' ')} did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${argv.join(' ')} exited with code ${code} during start-up`));
    });
    const lines = createInterface({ input: proc.stdout! });
    lines.on('line', (line) => {
      const match = / listening on (http:\/\/\S+)/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      lines.close();
      proc.stdout!.resume();
      resolve({ url: match[1], proc, stop });
    });
  });
}

/** Mock child: `node bin/llmux-bench.mjs mock --port 0 ...args`, pinned to `core`. */
export function startMockChild(args: string[], core: number): Promise<Child> {
  return startChild([...pin(core), process.execPath, BIN, 'mock', '--port', '0', ...args]);
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function machine(): string {
  const cpus = os.cpus();
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  return `${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, Node ${process.versions.node}, ${os.platform()} ${os.release()}, load average ${load}`;
}

export function flagValue(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
}

/** CPU time (user + system, ms) a process has used so far, from /proc; null where unavailable. */
export function processCpuMs(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 (1-based) of the full line, in clock ticks (100 Hz on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}
