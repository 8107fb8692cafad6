// Child processes the runner starts: each in its own process group, so that a whole tree (a shell,
// the proxy it execs, the proxy's workers) can be signalled at once and so that a terminal's Ctrl-C
// reaches only the runner, which then stops its children in order. Everything started here is
// killed when the runner exits, whatever the reason (SIGKILL included: see lifeline.ts).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pidtree from 'pidtree';
import { guardProcess, releaseProcess } from './lifeline.ts';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface GroupProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves once the direct child has exited (never rejects). */
  exited: Promise<Exit>;
  /** Null while running. */
  exit: Exit | null;
  /** Set when the command could not be started at all (ENOENT, EACCES). */
  spawnError?: Error;
}

/** Process groups started by this process and not yet known to be gone. */
const groups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort (crash, process.exit): 'exit' handlers must be synchronous, so SIGKILL each group.
  process.on('exit', () => {
    for (const pgid of groups) signalGroup(pgid, 'SIGKILL');
  });
}

/** Spawns `command args` as the leader of a new process group (and session). */
export function spawnGroup(command: string, args: string[], options: SpawnOptions = {}): GroupProcess {
  installExitHook();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options, detached: true });
  const result: GroupProcess = {
    child,
    pid: child.pid ?? -1,
    exit: null,
    exited: new Promise<Exit>((resolve) => {
      child.once('error', (error) => {
        result.exit ??= { code: 127, signal: null };
        result.spawnError = error;
        resolve(result.exit);
      });
      child.once('exit', (code, signal) => {
        result.exit = { code, signal };
        resolve(result.exit);
      });
    }),
  };
  if (child.pid !== undefined) {
    groups.add(child.pid);
    guardProcess(child.pid);
  }
  return result;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is already empty.
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone already.
  }
}

/** True while `pid` exists and is not a zombie (a container's init may never reap orphans). */
export function isAlive(pid: number): boolean {
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Descendants of `pid` (not including it); empty when it is gone or the platform cannot tell. */
export async function descendants(pid: number): Promise<number[]> {
  try {
    return await pidtree(pid);
  } catch {
    return [];
  }
}

export interface KillOptions {
  /** First signal, sent to the group and to every descendant. */
  signal?: NodeJS.Signals;
  /** How long to wait for the tree to exit before SIGKILL. */
  graceMs?: number;
}

/**
 * Stops the tree rooted at `pid`: the first signal to its process group and to each descendant
 * (some leave the group, e.g. daemons), then SIGKILL to whatever is left after the grace period.
 * Resolves once every process of the tree is gone.
 */
export async function killTree(pid: number, { signal = 'SIGTERM', graceMs = 5000 }: KillOptions = {}): Promise<void> {
  if (pid <= 0) return;
  const tree = [pid, ...(await descendants(pid))];
  signalGroup(pid, signal);
  for (const p of tree) signalPid(p, signal);
  const deadline = Date.now() + graceMs;
  while (tree.some(isAlive) && Date.now() < deadline) await sleep(25);
  if (tree.some(isAlive)) {
    // Late-born children too: look again before the hard kill.
    const late = await descendants(pid);
    signalGroup(pid, 'SIGKILL');
    for (const p of [...tree, ...late]) signalPid(p, 'SIGKILL');
    const hardDeadline = Date.now() + 2000;
    while ([...tree, ...late].some(isAlive) && Date.now() < hardDeadline) await sleep(25);
  }
  groups.delete(pid);
  releaseProcess(pid);
}

/** Stops a process started with spawnGroup and waits for its `exit` event. */
export async function stopGroup(proc: GroupProcess, options: KillOptions = {}): Promise<Exit> {
  if (proc.pid > 0) await killTree(proc.pid, options);
  // The exit event follows the kill; bound the wait in case the pid was never a real child.
  return Promise.race([proc.exited, sleep(2000).then(() => proc.exit ?? { code: null, signal: null })]);
}

/** Collects a bounded tail of a stream's text, for error messages. */
export function tailOf(stream: NodeJS.ReadableStream | null, maxChars = 4000): () => string {
  let text = '';
  stream?.on('data', (chunk: Buffer | string) => {
    text = (text + chunk.toString()).slice(-maxChars);
  });
  return () => text;
}
