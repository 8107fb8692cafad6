// `mock --workers N`: N processes serve one port through Node's cluster module (the primary accepts
// connections and hands them to the workers in turn). /health, /stats and /metrics answer for all of
// them: the worker that gets the request asks the primary, which collects every worker's counters
// and histograms and adds them up.
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { MockOptions } from './options.ts';
import { startMockServer } from './server.ts';
import { mergeSnapshots, type StatsSnapshot } from './stats.ts';

const BIN = fileURLToPath(new URL('../bin/llmux-bench.mjs', import.meta.url));
/** Environment variable carrying a worker's settings (JSON); its presence makes a process a worker. */
const WORKER_ENV = 'LLMUX_MOCK_WORKER';
/** How long the primary waits for every worker's numbers. */
const COLLECT_TIMEOUT_MS = 2000;

type Message =
  | { llmuxMock: 'ask'; id: number }
  | { llmuxMock: 'collect'; id: number }
  | { llmuxMock: 'snapshot'; id: number; snap: StatsSnapshot }
  | { llmuxMock: 'answer'; id: number; snap: StatsSnapshot }
  | { llmuxMock: 'failed'; code: string | undefined; message: string };

interface WorkerSettings {
  index: number;
  options: MockOptions;
}

export const isMockWorker = (): boolean => cluster.isWorker && process.env[WORKER_ENV] !== undefined;

/**
 * Worker `index`'s seed: each worker draws its own sequence, so two workers never give the same
 * request ids or faults for their n-th request.
 */
export function workerSeed(seed: number, index: number): number {
  return (seed + Math.imul(index, 0x9e3779b1)) >>> 0;
}

export interface MockCluster {
  /** Where to reach it (127.0.0.1 when bound to every interface). */
  url: string;
  /** The address it listens on, as bound. */
  listening: string;
  port: number;
  pids: number[];
  /** Resolves with a reason if a worker dies while the cluster runs. */
  failed: Promise<string>;
  close(): Promise<void>;
}

/** Primary: forks `workers` mock workers on one port and resolves once every one listens. */
export async function startMockCluster(options: MockOptions, workers: number): Promise<MockCluster> {
  cluster.setupPrimary({ exec: BIN, args: ['mock'], execArgv: [] });
  const live = new Map<number, Worker>();
  let closing = false;
  let fail!: (why: string) => void;
  const failed = new Promise<string>((resolve) => (fail = resolve));
  // One collection at a time per asking worker; ids tie the answers together.
  let nextCollect = 0;
  const collections = new Map<number, { snaps: StatsSnapshot[]; waiting: Set<number>; done: () => void }>();

  const collect = (asker: Worker, askId: number) => {
    const id = nextCollect++;
    const waiting = new Set(live.keys());
    const snaps: StatsSnapshot[] = [];
    const done = () => {
      if (!collections.delete(id)) return;
      clearTimeout(timer);
      if (asker.isConnected()) asker.send({ llmuxMock: 'answer', id: askId, snap: mergeSnapshots(snaps) } satisfies Message);
    };
    const timer = setTimeout(done, COLLECT_TIMEOUT_MS);
    collections.set(id, { snaps, waiting, done });
    for (const w of live.values()) if (w.isConnected()) w.send({ llmuxMock: 'collect', id } satisfies Message);
  };

  const onMessage = (worker: Worker, msg: Message) => {
    if (!msg || typeof msg !== 'object' || !('llmuxMock' in msg)) return;
    if (msg.llmuxMock === 'ask') collect(worker, msg.id);
    else if (msg.llmuxMock === 'snapshot') {
      const c = collections.get(msg.id);
      if (!c) return;
      c.snaps.push(msg.snap);
      c.waiting.delete(worker.id);
      if (c.waiting.size === 0) c.done();
    }
  };

  const started = Array.from({ length: workers }, (_, index) => {
    const settings: WorkerSettings = { index, options: { ...options, seed: workerSeed(options.seed, index) } };
    const worker = cluster.fork({ [WORKER_ENV]: JSON.stringify(settings) });
    live.set(worker.id, worker);
    worker.on('message', (msg: Message) => onMessage(worker, msg));
    return new Promise<{ address: string; port: number; family: number | string }>((resolve, reject) => {
      let failure: Error | null = null;
      worker.on('message', (msg: Message) => {
        if (msg?.llmuxMock === 'failed') failure = Object.assign(new Error(msg.message), { code: msg.code });
      });
      worker.once('listening', (address) => resolve({ address: address.address, port: address.port, family: address.addressType }));
      worker.once('exit', (code, signal) => {
        live.delete(worker.id);
        // Waiting collections stop waiting for it.
        for (const c of collections.values()) if (c.waiting.delete(worker.id) && c.waiting.size === 0) c.done();
        reject(failure ?? new Error(`mock worker ${index} exited during start-up (${signal ?? `code ${code}`})`));
        if (!closing) fail(`mock worker ${index} (pid ${worker.process.pid}) exited (${signal ? `signal ${signal}` : `code ${code}`})`);
      });
    });
  });

  const close = async () => {
    closing = true;
    await Promise.all(
      [...live.values()].map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            const kill = setTimeout(() => w.process.kill('SIGKILL'), 5000);
            w.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            w.process.kill('SIGTERM');
          }),
      ),
    );
  };

  let listening: Awaited<(typeof started)[number]>[];
  try {
    listening = await Promise.all(started);
  } catch (error) {
    await close();
    throw error;
  }
  const { address, port, family } = listening[0];
  const bound = family === 6 || family === 'IPv6' || address.includes(':') ? `[${address}]` : address;
  const reachable = address === '0.0.0.0' || address === '::' ? '127.0.0.1' : bound;
  return {
    url: `http://${reachable}:${port}`,
    listening: `http://${bound}:${port}`,
    port,
    pids: [...live.values()].map((w) => w.process.pid!),
    failed,
    close,
  };
}

/** Worker: serves with the settings the primary gave, answers its collections, stops on SIGTERM/SIGINT. */
export async function runMockWorker(): Promise<number> {
  const { options } = JSON.parse(process.env[WORKER_ENV]!) as WorkerSettings;
  let mock: Awaited<ReturnType<typeof startMockServer>>;
  try {
    mock = await startMockServer(options);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    process.send!({ llmuxMock: 'failed', code: e.code, message: e.message } satisfies Message);
    return 1;
  }
  const { stats } = mock.app.runtime;
  let nextAsk = 0;
  const answers = new Map<number, (snap: StatsSnapshot) => void>();
  process.on('message', (msg: Message) => {
    if (msg?.llmuxMock === 'collect') process.send!({ llmuxMock: 'snapshot', id: msg.id, snap: stats.snapshot() } satisfies Message);
    else if (msg?.llmuxMock === 'answer') answers.get(msg.id)?.(msg.snap);
  });
  mock.app.runtime.collect = () =>
    new Promise<StatsSnapshot>((resolve) => {
      const id = nextAsk++;
      // The primary answers within COLLECT_TIMEOUT_MS; should it not, this worker's own numbers.
      const timer = setTimeout(() => {
        answers.delete(id);
        resolve(stats.snapshot());
      }, COLLECT_TIMEOUT_MS + 1000);
      answers.set(id, (snap) => {
        clearTimeout(timer);
        answers.delete(id);
        resolve(snap);
      });
      process.send!({ llmuxMock: 'ask', id } satisfies Message);
    });
  // Ctrl-C reaches the whole process group: the primary stops the workers (SIGTERM), so a worker
  // does not die first and look like a crash. A primary that dies closes the IPC channel, and
  // Node's cluster ends the worker.
  process.on('SIGINT', () => {});
  await new Promise<void>((resolve) => process.once('SIGTERM', resolve));
  await mock.close();
  process.disconnect();
  return 0;
}
