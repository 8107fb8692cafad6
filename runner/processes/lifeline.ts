// Children must not outlive the runner, even when it is killed with SIGKILL and runs no code at
// all. A process group does not help then (nobody is left to signal it) and Linux's
// PR_SET_PDEATHSIG is out of Node's reach. So the runner starts one small watcher process
// (lifeline-watch.mjs, in its own session: the terminal's Ctrl-C does not reach it) and keeps
// the only write end of a pipe to it. Each child and temporary directory is announced on the pipe
// when created and withdrawn when gone; when the runner dies, the kernel closes the pipe, and the
// watcher stops every tree still announced and removes the directories.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WATCH = fileURLToPath(new URL('./lifeline-watch.mjs', import.meta.url));

let watcher: ChildProcess | null = null;

function send(line: string): void {
  if (!watcher) {
    // Its own small environment: it is no part of the run (and names whose lifeline it is).
    const env = { PATH: process.env.PATH ?? '', LLMUX_LIFELINE_OF: String(process.pid) };
    watcher = spawn(process.execPath, [WATCH], { stdio: ['pipe', 'ignore', 'ignore'], detached: true, env });
    // A watcher that could not start or died leaves the runner's own cleanup; never an error here.
    watcher.on('error', () => {});
    watcher.stdin!.on('error', () => {});
    // Neither may keep the runner's event loop alive.
    watcher.unref();
    (watcher.stdin as unknown as { unref?: () => void }).unref?.();
  }
  // A pipe write of a few bytes reaches the kernel before write() returns: announced children are
  // covered from the moment this call ends.
  watcher.stdin!.write(`${line}\n`);
}

/** The tree led by `pid` (a process group leader) is stopped if this process dies first. */
export function guardProcess(pid: number): void {
  if (pid > 0) send(`+${pid}`);
}

/** The tree led by `pid` is gone: nothing to stop any more. */
export function releaseProcess(pid: number): void {
  if (pid > 0 && watcher) send(`-${pid}`);
}

/** `dir` is removed if this process dies before it does. */
export function guardDirectory(dir: string): void {
  if (!dir.includes('\n')) send(`d${dir}`);
}

export function releaseDirectory(dir: string): void {
  if (watcher && !dir.includes('\n')) send(`r${dir}`);
}

/** The watcher's pid (tests), or null when none was started. */
export function lifelinePid(): number | null {
  return watcher?.pid ?? null;
}
