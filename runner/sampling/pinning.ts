// CPU pinning (on by default, `--no-pin` to opt out): the target, the mock and the load generator on chosen cores with taskset
// (util-linux), so that they do not steal each other's CPU and runs are comparable.
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { findExecutable } from '../processes/which.ts';

const run = promisify(execFile);

export interface PinPlan {
  target: string;
  mock: string;
  loadgen: string;
}

/**
 * The target keeps cores to itself: one on 2 or 3 cores, half of them from 4 (a proxy with workers
 * or threads should not be held to one core); then one core for the mock and the rest for the load
 * generator. On 2 cores the mock and the load generator share the second one.
 */
export function planPinning(cores = availableParallelism()): PinPlan | null {
  if (cores < 2) return null;
  if (cores === 2) return { target: '0', mock: '1', loadgen: '1' };
  const targetCores = cores === 3 ? 1 : Math.floor(cores / 2);
  const list = (from: number, to: number) => (from === to ? String(from) : `${from}-${to}`);
  return { target: list(0, targetCores - 1), mock: String(targetCores), loadgen: list(targetCores + 1, cores - 1) };
}

/** Number of CPUs in a taskset list ("1", "2-7", "0,2-3"). */
export function cpuCount(list: string): number {
  let count = 0;
  for (const part of list.split(',')) {
    const [from, to = from] = part.trim().split('-');
    if (from === '') continue;
    count += Number(to) - Number(from) + 1;
  }
  return count;
}

/**
 * Cores the load generator can use: k6 spreads over its cores (all, or those it is pinned to); the
 * embedded engine over its worker threads (one event loop each).
 */
export function loadgenCores(engine: { kind: string; workers?: number }, machineCores: number, pin: PinPlan | null): number {
  if (engine.kind !== 'k6') return Math.max(1, engine.workers ?? 1);
  return pin ? Math.max(1, cpuCount(pin.loadgen)) : machineCores;
}

/**
 * Worker threads for the embedded engine: one per core the placement gives the load generator alone
 * (none shared with the mock); one when unpinned, where the target and the mock compete for every core.
 */
export function embeddedWorkers(pin: PinPlan | null): number {
  if (pin === null || pin.loadgen === pin.mock) return 1;
  return Math.max(1, cpuCount(pin.loadgen));
}

export const describePinning = (plan: PinPlan): string => `target:${plan.target} mock:${plan.mock} loadgen:${plan.loadgen}`;

export function tasksetPath(env: NodeJS.ProcessEnv = process.env): string | null {
  return process.platform === 'linux' ? findExecutable('taskset', env) : null;
}

/** Command prefix that starts a process on `cpus`. */
export const tasksetPrefix = (taskset: string, cpus: string): string[] => [taskset, '-c', cpus];

/** The CPU list a running process may use ("0-1"), or null when taskset cannot tell. */
export async function affinityOf(taskset: string, pid: number): Promise<string | null> {
  try {
    const { stdout } = await run(taskset, ['-c', '-p', String(pid)], { timeout: 5000 });
    return /list:\s*(\S+)/.exec(stdout)?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * Moves every thread of the running processes `pids` onto `cpus`. Returns a function that puts
 * each back on the CPUs it had (the runner did not start these processes, so it leaves them as found).
 */
export async function pinPids(taskset: string, pids: number[], cpus: string): Promise<() => Promise<void>> {
  const before = new Map<number, string>();
  for (const pid of pids) {
    const current = await affinityOf(taskset, pid);
    try {
      await run(taskset, ['-a', '-p', '-c', cpus, String(pid)], { timeout: 5000 });
      if (current) before.set(pid, current);
    } catch {
      // A process that exited meanwhile, or one we may not change: pinning stays best effort.
    }
  }
  return async () => {
    for (const [pid, list] of before) await run(taskset, ['-a', '-p', '-c', list, String(pid)], { timeout: 5000 }).catch(() => {});
  };
}
