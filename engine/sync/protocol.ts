// Messages between the main thread and a worker VU. The worker blocks on `flag` (Atomics.wait)
// after posting a `sync` message; the main thread answers on `replies` and then wakes it.
import type { MessagePort } from 'node:worker_threads';
import type { StreamOptions } from '../sse/api.ts';
import type { SseEvent } from '../sse/parser.ts';
import type { SseResponse } from '../sse/session.ts';

export interface WorkerInit {
  code: string;
  /** V8's code cache of the bundle, compiled once on the main thread (shared memory, not copied). */
  codeCache: Uint8Array;
  path: string;
  id: number;
  env: Record<string, string>;
  flag: SharedArrayBuffer;
  replies: MessagePort;
  /** options.throw. */
  throwErrors: boolean;
  /** A file URL inside the engine (for the worker's own require of cheerio). */
  moduleBase: string;
}

export interface ScenarioInfo {
  name: string;
  executor: string;
  startTime: number;
  progress: number;
}

/** Main → worker. */
export type ToWorker =
  | {
      t: 'iter';
      exec: string;
      iter: number;
      iterInScenario: number;
      iterInTest: number;
      iterInInstance: number;
      scenario: ScenarioInfo;
      env?: Record<string, string>;
      /** setup()'s data as JSON, sent once (each VU parses its own copy). */
      data?: string;
      /** The VU's tags outside any group (run, scenario), when they changed. */
      tags?: Record<string, string>;
    }
  | { t: 'call'; fn: 'setup' | 'teardown' | 'handleSummary'; arg?: string | null; tags: Record<string, string> }
  /** The run is over: exit once the timers the script left are done. */
  | { t: 'end' }
  | { t: 'reply'; id: number; value?: unknown; error?: string };

/** Worker → main. */
export type FromWorker =
  | { t: 'ready' }
  | { t: 'initError'; error: string }
  | { t: 'done'; error?: string; aborted?: boolean }
  | { t: 'result'; value?: unknown; error?: string; aborted?: boolean }
  | { t: 'sync'; op: string; args: unknown[]; group: string }
  | { t: 'async'; id: number; op: string; args: unknown[]; group: string }
  | { t: 'check'; group: string; name: string; passed: boolean; tags?: Record<string, string> }
  | { t: 'metric'; group: string; name: string; type: string; isTime: boolean; value: number; tags?: Record<string, unknown> }
  | { t: 'defineMetric'; name: string; type: string; isTime: boolean }
  | { t: 'group'; parent: string; name: string }
  | { t: 'groupDuration'; group: string; ms: number }
  | { t: 'log'; level: 'log' | 'info' | 'warn' | 'error' | 'debug'; text: string }
  /** A warning of the engine's own (not the script's console), logged as k6 logs its own. */
  | { t: 'warn'; text: string }
  | { t: 'tag'; key: string; value: string | null }
  | { t: 'fail'; reason?: string }
  /** sse.open: the main thread runs the stream and pushes what happens on `replies` (SsePush). */
  | { t: 'sseOpen'; url: string; opts: StreamOptions; group: string }
  /** The VU is about to run the handlers of the oldest event pushed (it counts in sse_event). */
  | { t: 'sseDelivered' }
  /** client.close() or a handler threw: end the stream. */
  | { t: 'sseClose' }
  /** Messages that waited in the worker's outbox, in order (the last one may be one that had to go now). */
  | { t: 'batch'; list: FromWorker[] }
  /** An error nobody can catch (a timer that threw, a rejection nobody handled); `value` when it is no Error. */
  | { t: 'uncaught'; kind: 'exception' | 'rejection'; name?: string; message?: string; stack?: string; value?: string };

/**
 * Main → worker on `replies`, in order, while the VU waits inside sse.open. `hr` is when the main
 * thread read it (process.hrtime in ms, one clock for every thread).
 */
export type SsePush =
  | { sse: 'open'; hr: number }
  | { sse: 'event'; hr: number; event: SseEvent }
  | { sse: 'error'; hr: number; message: string }
  | { sse: 'end'; response?: SseResponse; error?: string };
