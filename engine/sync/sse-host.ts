// The main thread's side of a worker VU's sse.open: the stream runs here, on the VU's connections
// with the same SseSession as on the event loop, and each thing that happens on it (open, event,
// error, end) is pushed to the blocked VU in order, with the time it was read. The VU runs the
// script's handlers and says when it delivers an event (then it counts in sse_event, at the time
// it was read) and when it closes the stream.
import { performance } from 'node:perf_hooks';
import { createStream, settle } from '../modules/sse.ts';
import type { TestRun } from '../runtime.ts';
import type { StreamOptions } from '../sse/api.ts';
import { SseSession } from '../sse/session.ts';
import type { Vu, VuStore } from '../vu.ts';
import type { SsePush } from './protocol.ts';

/** process.hrtime in ms: the same monotonic clock in every thread. */
export const hrNowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class WorkerSseStream {
  private session: SseSession | null = null;
  /** Wall times (ms) of the events pushed and not yet delivered, oldest first. */
  private readonly readAt: number[] = [];

  constructor(
    private readonly run: TestRun,
    private readonly store: VuStore,
    private readonly vu: Vu,
    private readonly push: (msg: SsePush) => void,
  ) {}

  /** Opens the stream; the end is pushed when it is over. */
  start(url: string, opts: StreamOptions): void {
    const push = this.push;
    const stream = createStream(
      this.run,
      this.store,
      this.vu,
      url,
      opts,
      {
        opened: () => push({ sse: 'open', hr: hrNowMs() }),
        event: (event) => {
          this.readAt.push(performance.timeOrigin + performance.now());
          push({ sse: 'event', hr: hrNowMs(), event });
        },
        error: (message) => push({ sse: 'error', hr: hrNowMs(), message }),
      },
      { deferEventCount: true },
    );
    if (!(stream instanceof SseSession)) {
      this.end(stream);
      return;
    }
    this.session = stream;
    stream.start().then((end) => this.end(end));
  }

  /** The VU runs the handlers of the oldest event pushed: it counts now, with the time it was read. */
  delivered(): void {
    const at = this.readAt.shift();
    if (at !== undefined) this.session?.recordEvent(at);
  }

  close(): void {
    this.session?.close();
  }

  private end(end: Parameters<typeof settle>[1]): void {
    let msg: SsePush;
    try {
      msg = { sse: 'end', response: settle(this.run, end) };
    } catch (e) {
      msg = { sse: 'end', error: errorMessage(e) };
    }
    this.push(msg);
  }
}
