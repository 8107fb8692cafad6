// CPU pinning (`--pin`): the target, the mock and the load generator on chosen cores with taskset
// (util-linux), so that they do not steal each other's CPU and runs are comparable.
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { findExecutable } from './which.ts';

const run = promisify(execFile);

export interface PinPlan {
  target: string;
  mock: string;
  loadgen: string;
}

/**
 * One core for the target, one for the mock, the rest for the load generator; on 2 cores the mock
 * and the load generator share the second one (the target keeps a core to itself either way).
 */
export function planPinning(cores = availableParallelism()): PinPlan | null {
  if (cores < 2) return null;
  if (cores === 2) return { target: '0', mock: '1', loadgen: '1' };
  return { target: '0', mock: '1', loadgen: cores === 3 ? '2' : `2-${cores - 1}` };
}

export const describePinning = (plan: PinPlan): string => `target:${plan.target} mock:${plan.mock} loadgen:${plan.loadgen}`;

export function tasksetPath(env: NodeJS.ProcessEnv = process.env): string | null {
  return process.platform === 'linux' ? findExecutable('taskset', env) : null;
}

/** Command prefix that starts a process on `cpus`. */
export const tasksetPrefix = (taskset: string, cpus: string): string[] => [taskset, '-c', cpus];

/** Moves every thread of the running processes `pids` onto `cpus`. */
export async function pinPids(taskset: string, pids: number[], cpus: string): Promise<void> {
  for (const pid of pids) {
    try {
      await run(taskset, ['-a', '-p', '-c', cpus, String(pid)], { timeout: 5000 });
    } catch {
      // A process that exited meanwhile, or one we may not change: pinning stays best effort.
    }
  }
}
