// The mock LLM server as a child process (its own process group), so that its CPU and memory are
// measured apart from the runner's and the load generator's.
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BenchError, lastLine } from '../errors.ts';
import { spawnGroup, stopGroup, tailOf } from './process-tree.ts';

const BIN = fileURLToPath(new URL('../../bin/llmux-bench.mjs', import.meta.url));
const LISTENING = /mock listening on (http:\/\/\S+?):(\d+)\s*$/;

export interface MockProcess {
  url: string;
  port: number;
  pid: number;
  /** Resolves when the mock has exited (for whatever reason). */
  exited: Promise<unknown>;
  /** How it exited ("exit code 1: <last line of stderr>"), or null while it runs. */
  exitReason(): string | null;
  stop(): Promise<void>;
}

export interface MockProcessOptions {
  /** Command prefix, e.g. ['taskset', '-c', '1'] for CPU pinning. */
  prefix?: string[];
  env?: NodeJS.ProcessEnv;
  /** Give up when the mock has not said it listens within this time. */
  timeoutMs?: number;
}

/**
 * Spawns `node bin/llmux-bench.mjs mock --port 0 ...args` (a later `--port` in `args` wins), reads the
 * "mock listening on" line and waits until GET /health answers.
 */
export async function startMockProcess(args: string[], options: MockProcessOptions = {}): Promise<MockProcess> {
  const { prefix = [], env = process.env, timeoutMs = 20_000 } = options;
  const argv = [...prefix, process.execPath, BIN, 'mock', '--port', '0', ...args];
  const proc = spawnGroup(argv[0], argv.slice(1), { env });
  const stderr = tailOf(proc.child.stderr);
  const stop = async () => {
    await stopGroup(proc, { signal: 'SIGTERM', graceMs: 3000 });
  };

  const listening = new Promise<{ url: string; port: number }>((resolve) => {
    const lines = createInterface({ input: proc.child.stdout! });
    lines.on('line', (line) => {
      const match = LISTENING.exec(line);
      if (match) {
        lines.close();
        proc.child.stdout!.resume(); // keep draining so the mock never blocks on a full pipe
        // Bound to every interface (MOCK_HOST=0.0.0.0 or ::): reach it on the loopback.
        const url = match[1].replace(/^http:\/\/(0\.0\.0\.0|\[::\])$/, 'http://127.0.0.1');
        resolve({ url: `${url}:${match[2]}`, port: Number(match[2]) });
      }
    });
  });
  const failed = proc.exited.then((exit) => {
    const why = proc.spawnError?.message ?? lastLine(stderr());
    const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    return new BenchError(`the mock exited during start-up (${how})${why ? `: ${why}` : ''}`);
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<BenchError>((resolve) => {
    timer = setTimeout(() => resolve(new BenchError(`the mock did not start within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const first = await Promise.race([listening, failed, timedOut]);
    if (first instanceof Error) throw first;
    const ready = await Promise.race([waitForHealth(first.url, timeoutMs), failed, timedOut]);
    if (ready instanceof Error) throw ready;
    const exitReason = () => {
      if (!proc.exit) return null;
      const why = lastLine(stderr());
      return `${proc.exit.signal ? `signal ${proc.exit.signal}` : `exit code ${proc.exit.code}`}${why ? `: ${why}` : ''}`;
    };
    return { ...first, pid: proc.pid, exited: proc.exited, exitReason, stop };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function waitForHealth(url: string, timeoutMs: number): Promise<true> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) return true;
    } catch {
      // Not accepting yet.
    }
    if (Date.now() > deadline) throw new BenchError(`the mock at ${url} did not answer GET /health within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
