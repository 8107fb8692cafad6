// `k6/x/sse` for a worker VU: sse.open blocks, as the extension's does under k6. The main thread
// runs the stream (sse-host.ts) and pushes open, each event, each error and the end, in order;
// this thread runs the script's handlers as they come, while it waits. While the handlers of one
// push run, the script's clocks (performance.now(), Date.now()) read the time the main thread
// read it, moving on from there, so a handler times an event as an event-loop VU's does (the
// moment it was read) and not when the hand-over between threads was done.
import { Client, openArgs, SseError, streamOptions, type Handler } from '../sse/api.ts';
import type { SseResponse } from '../sse/session.ts';
import type { FromWorker, SsePush } from './protocol.ts';

export interface SseWorkerDeps {
  post(msg: FromWorker): void;
  /** Blocks until the main thread pushes the next thing of the stream. */
  nextPush(): SsePush;
  /** Whether the VU is past its init stage, and its current group. */
  inInit(): boolean;
  group(): string;
}

/** process.hrtime in ms: the clock the main thread stamped the pushes with. */
const hrNowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

// How far the script's clocks read behind while a push's handlers run (0 otherwise).
let clockShift = 0;
let clocksInstalled = false;

function installShiftedClocks(): void {
  if (clocksInstalled) return;
  clocksInstalled = true;
  const perf = globalThis.performance;
  const perfNow = perf.now.bind(perf);
  perf.now = () => perfNow() - clockShift;
  const dateNow = Date.now;
  Date.now = () => (clockShift === 0 ? dateNow() : Math.floor(dateNow() - clockShift));
}

export function workerSse(deps: SseWorkerDeps): { open: (url: string, ...args: unknown[]) => SseResponse } {
  let streaming = false;

  function open(url: string, ...args: unknown[]): SseResponse {
    if (deps.inInit()) throw new Error('using sse in the init context is not supported');
    if (streaming) throw new Error('sse.open inside an sse.open handler is not supported by the embedded engine');
    const { params, setup } = openArgs(args);
    const opts = streamOptions(params);
    installShiftedClocks();
    const client = new Client();
    let closed = false;
    let thrown = null as { error: unknown } | null;
    client.bind(() => {
      if (closed) return;
      closed = true;
      deps.post({ t: 'sseClose' });
    });
    const invoke = (fn: Handler, arg: unknown): void => void fn(arg);
    /** Runs handlers as of `hr`; a throw closes the stream and is thrown by sse.open at its end. */
    const handle = (hr: number, fn: () => void): void => {
      clockShift = Math.max(0, hrNowMs() - hr);
      try {
        fn();
      } catch (e) {
        thrown ??= { error: e };
        client.close();
      } finally {
        clockShift = 0;
      }
    };
    streaming = true;
    try {
      deps.post({ t: 'sseOpen', url: String(url), opts, group: deps.group() });
      for (;;) {
        const push = deps.nextPush();
        if (push.sse === 'end') {
          if (thrown !== null) throw thrown.error;
          if (push.error !== undefined) throw new Error(push.error);
          return push.response!;
        }
        // Nothing reaches the script after client.close() (the main thread may have read more).
        if (closed) continue;
        if (push.sse === 'open') {
          handle(push.hr, () => {
            invoke(setup, client);
            client.emit('open', undefined, invoke);
          });
        } else if (push.sse === 'event') {
          deps.post({ t: 'sseDelivered' });
          handle(push.hr, () => client.emit('event', push.event, invoke));
        } else {
          handle(push.hr, () => client.emit('error', new SseError(push.message), invoke));
        }
      }
    } finally {
      streaming = false;
    }
  }

  return { open };
}
