// One xk6-sse stream: the request on the VU's connections, the body parsed as it comes off the
// socket, and the metrics the extension emits. No JavaScript-facing API here: the caller passes
// handlers (what to do on open, on each event, on each error) and gets the end of the stream as a
// promise, so a promise-based `sse.open` and a blocking one can share this core.
//
// Metrics, as xk6-sse (sse.go) pushes them, with the request's tags (the VU's, `url`, `status`
// once a response arrived, and the `tags` param):
//   at open (or failure): http_req_sending = request start → response headers ("connection time");
//   per event:            sse_event += 1, before the handler runs;
//   at the end:           http_reqs += 1, http_req_sending (same value again), http_req_duration
//                         = request start → end of stream.
// No http_req_failed and no expected_response tag: the extension emits neither.
import { performance } from 'node:perf_hooks';
import { headerRecord } from '../headers.ts';
import type { Metric } from '../metrics/index.ts';
import type { TestRun } from '../runtime.ts';
import { send, type StreamHooks, type TransportRequest, type TransportResult, VuConnections } from '../transport.ts';
import type { Vu, VuStore } from '../vu.ts';
import { SseParser, type SseEvent } from './parser.ts';

export const SSE_EVENT_METRIC = 'sse_event';

/** What sse.open returns (xk6-sse's HTTPResponse: url, status, headers, error). */
export interface SseResponse {
  url: string;
  status: number;
  headers: Record<string, string>;
  error: string;
}

export interface SseRequest {
  url: string;
  method: string;
  origin: string;
  path: string;
  /** Flat [name, value, ...]. */
  headers: string[];
  body: string;
  /** 0 = none (the extension's default). */
  timeoutMs: number;
  /** The request's tags: the VU's, `url`, and the `tags` param. `status` is added on response. */
  tags: Record<string, string>;
}

/** What happens on the stream, in order; any of them may throw (the stream then ends with it). */
export interface SseHandlers {
  /** Response headers arrived: the setup callback, then the `open` handlers. */
  opened(): void;
  /** An event, the moment the chunk that completed it was read. */
  event(event: SseEvent): void;
  error(message: string): void;
}

export interface SseEnd {
  response: SseResponse;
  /** No response at all (connect error, timeout before headers): the message, else null. */
  failure: string | null;
  /** What a handler threw, if one did (the stream was closed then). */
  thrown: unknown;
  /** The VU was interrupted while the stream ran. */
  interrupted: boolean;
}

class ClosedByClient extends Error {
  override name = 'ClosedByClient';
}

/** Go's url.Error prefix: `Post "http://…": `. */
function goOp(method: string, url: string): string {
  return `${method.charAt(0)}${method.slice(1).toLowerCase()} "${url}": `;
}

function sseEventMetric(run: TestRun): Metric {
  return run.registry.define(SSE_EVENT_METRIC, 'counter');
}

/** The transport's view of the stream: only what undici reads, plus the hooks. */
class StreamRequest implements TransportRequest {
  readonly keepBody = false;
  constructor(
    readonly method: string,
    readonly origin: string,
    readonly path: string,
    readonly headers: string[],
    readonly body: string | null,
    readonly timeoutMs: number,
    readonly stream: StreamHooks,
  ) {}
}

export class SseSession implements StreamHooks {
  private readonly parser: SseParser;
  private readonly eventMetric: Metric;
  private tStart = 0;
  private tOpen = 0;
  private status = 0;
  private rawHeaders: Buffer[] | null = null;
  private abortFn: ((err: Error) => void) | null = null;
  private closed = false;
  private thrown: unknown = undefined;
  private threw = false;
  private readonly deferEventCount: boolean;

  constructor(
    private readonly run: TestRun,
    private readonly store: VuStore | undefined,
    private readonly vu: Vu,
    private readonly req: SseRequest,
    private readonly handlers: SseHandlers,
    /**
     * deferEventCount: the caller counts each event with recordEvent() once it was delivered
     * (a worker VU's handlers run in another thread, and no event after client.close() counts).
     */
    private readonly opts: { deferEventCount?: boolean } = {},
  ) {
    this.eventMetric = sseEventMetric(run);
    this.deferEventCount = opts.deferEventCount === true;
    this.parser = new SseParser({
      event: (event) => {
        if (this.closed) return;
        if (!this.deferEventCount) this.recordEvent();
        // Not through guard(): that would make a closure per event.
        try {
          this.handlers.event(event);
        } catch (err) {
          this.fail(err);
        }
      },
      unknown: (line) => {
        if (!this.closed) this.guard(() => this.handlers.error(`unknown event: ${line}`));
      },
    });
  }

  /** Sends the request; resolves when the stream is over (end of body, close(), error). */
  start(): Promise<SseEnd> {
    const r = this.req;
    this.tStart = performance.now();
    const connections = (this.vu.connections ??= new VuConnections());
    const body = r.body === '' ? null : r.body;
    const request = new StreamRequest(r.method, r.origin, r.path, r.headers, body, r.timeoutMs, this);
    return send(connections, request, (_req, result) => this.finish(result));
  }

  /** sse_event += 1 with the stream's tags; `timeMs` = when the event was read (wall clock, ms). */
  recordEvent(timeMs?: number): void {
    this.run.add(this.eventMetric, 1, this.req.tags, this.store, timeMs);
  }

  /** client.close(): no event is delivered after it; the response still carries the status. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.parser.stop();
    this.abortFn?.(new ClosedByClient('closed'));
  }

  onConnect(abort: (err: Error) => void): void {
    this.abortFn = abort;
    if (this.closed) abort(new ClosedByClient('closed'));
  }

  onHeaders(status: number, rawHeaders: Buffer[]): void {
    this.tOpen = performance.now();
    this.status = status;
    this.rawHeaders = rawHeaders;
    this.req.tags = { ...this.req.tags, status: String(status) };
    this.run.add(this.run.m.http_req_sending, this.tOpen - this.tStart, this.req.tags, this.store);
    this.guard(() => this.handlers.opened());
  }

  onBody(chunk: Buffer): void {
    if (!this.closed) this.parser.feed(chunk);
  }

  /** Runs a handler; a throw closes the stream and is handed back at the end. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.fail(err);
    }
  }

  /** A handler threw: the stream closes, and the first thrown value is handed back at the end. */
  private fail(err: unknown): void {
    if (!this.threw) {
      this.threw = true;
      this.thrown = err;
    }
    this.close();
  }

  private finish(result: TransportResult): SseEnd {
    const end = performance.now();
    const r = this.req;
    const interrupted = this.vu.interrupted;
    const err = result.error;
    let failure: string | null = null;
    if (this.tOpen === 0) {
      // No response: the extension pushes the "connection time" sample here, without a status.
      if (!interrupted && !this.closed) {
        const timeout = err !== null && err.code === 1050;
        failure = goOp(r.method, r.url) + (timeout ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' : (err?.message ?? 'no response'));
      }
      this.run.add(this.run.m.http_req_sending, end - this.tStart, r.tags, this.store);
    } else if (err !== null && !this.closed && !interrupted) {
      // A read error after the response started: the extension's reader reports it as an event.
      const message =
        err.code === 1050
          ? 'context deadline exceeded (Client.Timeout or context cancellation while reading body)'
          : err.code === 1000 && err.message === 'EOF'
            ? 'unexpected EOF'
            : err.message;
      this.guard(() => this.handlers.error(message));
    }
    const sending = (this.tOpen === 0 ? end : this.tOpen) - this.tStart;
    this.run.add(this.run.m.http_reqs, 1, r.tags, this.store);
    this.run.add(this.run.m.http_req_sending, sending, r.tags, this.store);
    this.run.add(this.run.m.http_req_duration, end - this.tStart, r.tags, this.store);
    if (result.bytesSent > 0 || result.bytesReceived > 0) {
      const base = this.run.tagsFor(this.store);
      if (result.bytesSent > 0) this.run.add(this.run.m.data_sent, result.bytesSent, base, this.store);
      if (result.bytesReceived > 0) this.run.add(this.run.m.data_received, result.bytesReceived, base, this.store);
    }
    const response: SseResponse =
      failure !== null
        ? { url: '', status: 0, headers: {}, error: failure }
        : { url: r.url, status: this.status, headers: headerRecord(this.rawHeaders), error: '' };
    return { response, failure, thrown: this.threw ? this.thrown : undefined, interrupted };
  }
}
