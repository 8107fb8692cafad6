// The proxy under test: started by the runner (`--target-cmd`, in a shell, with the mock's URL in
// its environment) or already running (`--target`, `--target-pid`). Either way the runner waits
// until the target answers HTTP before any load, and knows which process tree to measure.
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchError, lastLine } from './errors.ts';
import { findListeningPids } from './processes/port-owner.ts';
import { readProcTable, treeOf } from './processes/proc-table.ts';
import { isAlive, spawnGroup, stopGroup, tailOf, type GroupProcess } from './processes/process-tree.ts';

export interface StartedTarget {
  proc: GroupProcess;
  pid: number;
  output: () => string;
  stop(): Promise<void>;
}

/** Variables a proxy's command line or config can use to find the mock. */
export function mockEnv(mockUrl: string): Record<string, string> {
  const port = new URL(mockUrl).port;
  return {
    MOCK_URL: mockUrl,
    MOCK_PORT: port,
    OPENAI_BASE_URL: `${mockUrl}/v1`,
    OPENAI_API_BASE: `${mockUrl}/v1`,
    ANTHROPIC_BASE_URL: mockUrl,
  };
}

/** Starts `sh -c <command>` in its own process group. */
export function startTargetCommand(command: string, mockUrl: string, prefix: string[] = []): StartedTarget {
  const argv = [...prefix, '/bin/sh', '-c', command];
  const proc = spawnGroup(argv[0], argv.slice(1), { env: { ...process.env, ...mockEnv(mockUrl) } });
  const out = tailOf(proc.child.stdout);
  const err = tailOf(proc.child.stderr);
  return {
    proc,
    pid: proc.pid,
    output: () => `${out()}\n${err()}`,
    stop: async () => {
      await stopGroup(proc, { signal: 'SIGTERM', graceMs: 5000 });
    },
  };
}

function hostPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80)) };
}

/** Whether a TCP connection to host:port is accepted (something listens there). */
export function accepts(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/**
 * Before `--target-cmd` starts: a server already on the target's port would answer in the
 * started proxy's place, and the run would measure that one instead.
 */
export async function refuseTakenPort(url: string): Promise<void> {
  const { host, port } = hostPort(url);
  if (!(await accepts(host, port))) return;
  const holder = findListeningPids(port)[0];
  throw new BenchError(
    `--target-cmd: port ${port} is already in use${holder ? ` (pid ${holder})` : ''}, so ${url} would answer without the started proxy: stop that server or use a free port`,
  );
}

/** How a started process ended ("exit code 3", "signal SIGKILL") and its last line of output. */
export function exitParts(started: StartedTarget): { how: string; why: string } {
  const exit = started.proc.exit;
  if (!exit) return { how: 'running', why: '' };
  return {
    how: exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`,
    why: started.proc.spawnError?.message ?? lastLine(started.output()),
  };
}

/** "exit code 3: bad config". */
export function exitReason(started: StartedTarget): string {
  const { how, why } = exitParts(started);
  return why ? `${how}: ${why}` : how;
}

/**
 * After the target answers: the answer must come from the started command. Its process must
 * still run, and (Linux, where the socket's owner is visible) the socket listening on the
 * target's port must belong to its process tree.
 */
export function checkStartedAnswers(url: string, started: StartedTarget): void {
  if (started.proc.exit) throw new BenchError(`--target-cmd exited (${exitReason(started)}) although ${url} answered: another server answers there`);
  const { port } = hostPort(url);
  const holders = findListeningPids(port);
  if (holders.length === 0) return; // not visible (not Linux, another user's process, remote host)
  const tree = new Set(treeOf(readProcTable(), started.pid));
  if (!holders.some((pid) => tree.has(pid))) {
    throw new BenchError(`port ${port} is held by pid ${holders.join(', ')}, not by --target-cmd (pid ${started.pid}): ${url} answers from another server; stop it or use a free port`);
  }
}

type Probe = { ok: true; status: number } | { ok: false; reason: string };

/** One HTTP GET of the target's root: any HTTP status means something answers. */
export async function probe(url: string, timeoutMs = 2000): Promise<Probe> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.body?.cancel();
    return { ok: true, status: res.status };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const name = (error as Error).name;
    const reason = name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause?.code ?? cause?.message ?? (error as Error).message);
    return { ok: false, reason: reason === 'ECONNREFUSED' ? 'connection refused' : reason };
  }
}

/**
 * Waits until `url` answers. A started target gets `timeoutMs` and fails early if its command exits;
 * an already-running one (`started` undefined) gets one short probe, so a wrong URL fails in seconds.
 */
export async function waitUntilAnswers(
  url: string,
  { started, timeoutMs, signal }: { started?: StartedTarget; timeoutMs: number; signal?: AbortSignal },
): Promise<void> {
  if (!started) {
    const result = await probe(url, Math.min(timeoutMs, 3000));
    if (!result.ok) {
      throw new BenchError(`target ${url} is unreachable (${result.reason}): start the proxy first, or let the runner start it with --target-cmd`);
    }
    return;
  }
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt';
  while (!signal?.aborted) {
    if (started.proc.exit) {
      if (started.proc.exit.code === 0) {
        // Exit status 0 while starting: the proxy most likely went to the background (a daemon).
        const port = Number(new URL(url).port || 80);
        const listener = findListeningPids(port)[0];
        throw new BenchError(
          `--target-cmd exited (exit code 0) instead of running the proxy in the foreground: keep it in the foreground (nginx: "daemon off;") so the runner can measure and stop it${listener ? `; pid ${listener} now listens on port ${port}, stop it yourself` : ''}`,
        );
      }
      const { how, why } = exitParts(started);
      throw new BenchError(`--target-cmd exited before ${url} answered (${how})${why ? `: ${why}` : ''}`);
    }
    const result = await probe(url, 1000);
    if (result.ok) return;
    last = result.reason;
    if (Date.now() > deadline) {
      throw new BenchError(`target ${url} did not answer within ${timeoutMs / 1000} s of starting --target-cmd (${last}); raise --ready-timeout or check the command`);
    }
    await sleep(100);
  }
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '0.0.0.0']);

export interface TargetProcess {
  pid: number | null;
  /** How the pid was found: "target-cmd", "target-pid", "port <n>"; or why none was. */
  source: string;
  warning?: string;
}

/** Which process tree to measure for a target URL that the runner did not start. */
export function locateTarget(url: string, targetPid: number | null): TargetProcess {
  if (targetPid !== null) {
    if (!isAlive(targetPid)) throw new BenchError(`--target-pid ${targetPid}: no such process`);
    return { pid: targetPid, source: 'target-pid' };
  }
  const parsed = new URL(url);
  const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
  if (!LOCAL_HOSTS.has(parsed.hostname)) {
    return { pid: null, source: 'none', warning: `memory and CPU not measured: ${parsed.hostname} is not this machine (run the proxy here, or pass --target-pid)` };
  }
  const pids = findListeningPids(port);
  if (pids.length === 0) {
    return { pid: null, source: 'none', warning: `memory and CPU not measured: no process of this user visibly listens on port ${port} (pass --target-pid)` };
  }
  return {
    pid: pids[0],
    source: `port ${port}`,
    warning: pids.length > 1 ? `several processes listen on port ${port} (${pids.join(', ')}); measuring ${pids[0]} (pass --target-pid to choose)` : undefined,
  };
}
