// A last resort for event-loop VUs: a script stuck in a synchronous loop inside an async function
// blocks the main thread, so neither the executors' deadlines nor signals are seen any more
// (worker VUs do not have this problem: their thread is terminated). A small watchdog thread
// watches a heartbeat the main thread bumps; once the run is past its hard deadline (the longest
// scenario with its gracefulStop, plus a margin) and the heartbeat has stopped, it says why on
// stderr and ends the process. V8's TerminateExecution cannot be used on Node's main thread (it
// corrupts Node's async context stack), hence the kill.
import { Worker } from 'node:worker_threads';

const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const beat = new Int32Array(workerData.beat);
let last = Atomics.load(beat, 0);
let since = Date.now();
setInterval(() => {
  const now = Atomics.load(beat, 0);
  if (now !== last) { last = now; since = Date.now(); return; }
  if (Date.now() - since < workerData.staleMs || Date.now() < workerData.deadline) return;
  writeSync(2, '\\nERRO the script has blocked the event loop for ' + Math.round((Date.now() - since) / 1000) + ' s, past the end of the test and its gracefulStop ' +
    '(a loop that never waits?); the engine cannot interrupt it there and stops the process (no summary). ' +
    'With --sync-vus threads a synchronous-style script runs on worker VUs, which are interrupted cleanly.\\n');
  process.kill(process.pid, 'SIGKILL');
}, 250);
`;

export class Watchdog {
  private readonly beat = new Int32Array(new SharedArrayBuffer(4));
  private readonly worker: Worker;
  private readonly timer: NodeJS.Timeout;

  constructor(deadlineMs: number, staleMs = 5_000) {
    this.worker = new Worker(WATCHDOG, { eval: true, workerData: { beat: this.beat.buffer, deadline: deadlineMs, staleMs }, stdout: false, stderr: false, resourceLimits: { maxYoungGenerationSizeMb: 1 } });
    this.worker.unref();
    this.timer = setInterval(() => Atomics.add(this.beat, 0, 1), 250);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    void this.worker.terminate();
  }
}
