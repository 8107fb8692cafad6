// Paced token streams. A stream is one scheduler task that writes one chunk per wake-up. Where it
// writes is a Sink: straight onto Node's ServerResponse when served by @hono/node-server (a web
// ReadableStream costs a promise per chunk, which matters at 100k chunks/s), or a ReadableStream
// when the app runs in-process (app.request()).
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { nextGapMs, type RequestPlan } from './plan.ts';
import type { MockOptions } from './options.ts';
import type { Scheduler, Task } from './scheduler.ts';
import type { MockStats } from './stats.ts';

/** Wire framing of one streaming protocol (OpenAI chat, legacy completions, Anthropic messages). */
export interface StreamProtocol {
  /** Events sent just before the first content chunk (role chunk, message_start, ...). */
  head(): string;
  /** Content event(s) for tokens [from, to). */
  chunk(from: number, to: number): string;
  /** Events after the last content chunk (finish, usage, [DONE] / message_delta, message_stop). */
  tail(): string;
}

export interface Sink {
  /**
   * Sends the status line and headers together with the first bytes. Like write(), false means the
   * client is not reading fast enough: stop writing until onDrain().
   */
  start(data: string): boolean;
  write(data: string): boolean;
  /** `listener` runs once when the bytes buffered after a false start()/write() have gone out. */
  onDrain(listener: () => void): void;
  end(data: string): void;
  /** Cuts the connection without a proper end (fault injection). */
  abort(): void;
  /** `listener` runs once if the client goes away before end() or abort(). */
  onClientGone(listener: () => void): void;
}

export class NodeSink implements Sink {
  private done = false;
  /** The socket, once headers are out, when the response uses chunked framing (HTTP/1.1). */
  private raw: Socket | null = null;
  constructor(
    private readonly res: ServerResponse,
    private readonly headers: Record<string, string>,
  ) {}
  start(data: string): boolean {
    this.res.writeHead(200, this.headers);
    const more = this.res.write(data);
    // Later chunks go straight to the socket, framed here as one buffer: ServerResponse.write
    // would split each into three (size line, data, CRLF) and cork/uncork around them, JavaScript
    // work on every token that adds up at 100k chunks/s. Same bytes on the wire, same order.
    const chunked = (this.res as ServerResponse & { chunkedEncoding?: boolean }).chunkedEncoding === true;
    this.raw = chunked && this.res.socket ? this.res.socket : null;
    return more;
  }
  write(data: string): boolean {
    const raw = this.raw;
    if (raw === null) return this.res.write(data);
    // A destroyed socket takes nothing more; the close event ends the stream.
    return raw.destroyed || raw.write(`${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n`);
  }
  onDrain(listener: () => void): void {
    (this.raw ?? this.res).once('drain', listener);
  }
  end(data: string): void {
    this.done = true;
    this.res.end(data);
  }
  abort(): void {
    this.done = true;
    // Flush what was written, then close without the final chunk: the client gets every token sent
    // so far and then a body cut short (a hard destroy could drop queued tokens unpredictably).
    const socket = this.res.socket;
    if (socket) socket.destroySoon();
    else this.res.destroy();
  }
  onClientGone(listener: () => void): void {
    this.res.once('close', () => {
      if (!this.done) listener();
    });
  }
}

const encoder = new TextEncoder();

export class WebSink implements Sink {
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private done = false;
  private started = false;
  private gone: (() => void) | null = null;
  readonly stream: ReadableStream<Uint8Array>;
  /** Resolves with the Response once the first bytes are queued. */
  readonly response: Promise<Response>;
  private resolve!: (r: Response) => void;

  constructor(private readonly headers: Record<string, string>, signal?: AbortSignal) {
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
      },
      cancel: () => this.clientGone(),
    });
    this.response = new Promise((resolve) => {
      this.resolve = resolve;
    });
    signal?.addEventListener('abort', () => this.clientGone(), { once: true });
  }
  private clientGone(): void {
    if (this.done) return;
    this.done = true;
    this.gone?.();
  }
  // In-process (tests, app.request()): the reader is in this process, so no backpressure.
  start(data: string): boolean {
    this.started = true;
    this.controller.enqueue(encoder.encode(data));
    this.resolve(new Response(this.stream, { status: 200, headers: this.headers }));
    return true;
  }
  write(data: string): boolean {
    this.controller.enqueue(encoder.encode(data));
    return true;
  }
  onDrain(listener: () => void): void {
    queueMicrotask(listener);
  }
  end(data: string): void {
    this.done = true;
    this.controller.enqueue(encoder.encode(data));
    this.controller.close();
  }
  abort(): void {
    this.done = true;
    this.controller.error(new Error('connection cut by the mock (abort injection)'));
    if (!this.started) this.resolve(new Response(this.stream, { status: 200, headers: this.headers }));
    this.started = true;
  }
  onClientGone(listener: () => void): void {
    this.gone = listener;
  }
}

export interface StreamDeps {
  opts: MockOptions;
  scheduler: Scheduler;
  stats: MockStats;
  /** Called once when the stream is over, however it ended. */
  onDone: () => void;
}

/** Chunks a gapless stream writes before it lets other work run. */
const BURST = 64;

export class TokenStream implements Task {
  cancelled = false;
  dueKey: number | undefined = undefined;
  private sent = 0;
  private started = false;
  private stalled = false;
  /** Chunks written back to back with no gap (see stepAside). */
  private burst = 0;
  /** Waiting for the client to read what is buffered (backpressure). */
  private paused = false;
  private resume: (() => void) | null = null;
  private deadline = 0;
  private readonly perChunk: number;

  constructor(
    private readonly plan: RequestPlan,
    private readonly protocol: StreamProtocol,
    private readonly sink: Sink,
    private readonly deps: StreamDeps,
  ) {
    this.perChunk = Math.max(1, deps.opts.tokensPerChunk);
    sink.onClientGone(() => {
      deps.stats.clientDisconnects++;
      this.finish();
    });
  }

  /** Schedules the first token `firstTokenDelayMs` after `admittedAt`. */
  begin(admittedAt: number): void {
    this.deadline = admittedAt + this.plan.firstTokenDelayMs;
    this.deps.scheduler.at(this.deadline, this);
  }

  run(): void {
    const { plan, deps } = this;
    deps.stats.recordLateness(deps.scheduler.now() - this.deadline);
    if (plan.stallAt !== null && !this.stalled && this.sent >= plan.stallAt) {
      this.stalled = true;
      deps.stats.stallsInjected++;
      this.deadline += plan.stallMs;
      deps.scheduler.at(this.deadline, this);
      return;
    }
    if (plan.abortAfter !== null && this.sent >= Math.min(plan.abortAfter, plan.outputTokens)) {
      deps.stats.abortsInjected++;
      this.sink.abort();
      this.finish();
      return;
    }
    const to = Math.min(this.sent + this.perChunk, plan.outputTokens, plan.abortAfter ?? Infinity);
    let data = to > this.sent ? this.protocol.chunk(this.sent, to) : '';
    deps.stats.tokensSent += to - this.sent;
    const count = to - this.sent;
    this.sent = to;
    const last = this.sent >= plan.outputTokens && plan.abortAfter === null;
    if (last) data += this.protocol.tail();
    let more: boolean;
    if (!this.started) {
      this.started = true;
      deps.stats.openStreams++;
      data = this.protocol.head() + data;
      if (last) {
        this.sink.start(data);
        this.sink.end('');
        this.finish();
        return;
      }
      more = this.sink.start(data);
    } else if (last) {
      this.sink.end(data);
      this.finish();
      return;
    } else more = this.sink.write(data);
    const gap = nextGapMs(plan, deps.opts, Math.max(1, count));
    this.deadline += gap;
    if (!more) this.pause();
    else if (gap > 0) {
      this.burst = 0;
      deps.scheduler.at(this.deadline, this);
    } else if (++this.burst < BURST) deps.scheduler.at(this.deadline, this);
    else this.stepAside();
  }

  /**
   * A stream with no gap (x-mock-itl: 0) to a client that keeps up would write its whole answer in one
   * wake-up and keep every other request waiting (/stats included): every BURST chunks it lets the
   * event loop serve sockets first.
   */
  private stepAside(): void {
    this.burst = 0;
    setImmediate(() => {
      if (!this.cancelled) this.deps.scheduler.at(this.deadline, this);
    });
  }

  /**
   * The socket's buffer is full: the client (or the gateway) reads slower than the stream is paced.
   * Write nothing more until it drains, so a stalled reader holds one socket buffer of memory, not
   * the rest of the answer. The pace resumes from the drain: time spent waiting on the client is
   * not counted as the mock's lateness.
   */
  private pause(): void {
    this.paused = true;
    this.deps.stats.pausedStreams++;
    this.resume ??= () => {
      if (!this.paused) return;
      this.paused = false;
      this.deps.stats.pausedStreams--;
      if (this.cancelled) return;
      this.deadline = Math.max(this.deadline, this.deps.scheduler.now());
      this.deps.scheduler.at(this.deadline, this);
    };
    this.sink.onDrain(this.resume);
  }

  fail(): void {
    try {
      this.sink.abort();
    } catch {
      // already closed
    }
    this.finish();
  }

  /** Stops the stream for good (end, abort or client gone); idempotent. */
  finish(): void {
    if (this.cancelled) return;
    // Out of the scheduler at once: a stream waiting out a long delay leaves nothing queued.
    this.deps.scheduler.cancel(this);
    if (this.paused) {
      this.paused = false;
      this.deps.stats.pausedStreams--;
    }
    if (this.started) this.deps.stats.openStreams--;
    this.deps.onDone();
  }
}
