// HTTP transport: keep-alive connections per VU and origin (k6 gives each VU its own
// connections), each either the engine's lean HTTP/1.1 client (http1.ts: plain http requests and
// streams) or an undici Client (https, unusual headers), both driven through undici's low-level
// dispatch handler so k6's timings are taken at the exact points: connect (custom connector),
// request handed to the socket (onConnect), first response byte (onResponseStarted: the parser's
// message begin) and body end (onComplete). This avoids diagnostics_channel (global, one message
// object per event) and undici.request's Readable body.
import { performance } from 'node:perf_hooks';
import type { Socket } from 'node:net';
import { Client, buildConnector } from 'undici';
import { classifyError, RequestTimeoutError, type RequestError } from './http-errors.ts';
import type { HostsMap } from './hosts.ts';
import { Http1Client, isLeanRequest, type Connector } from './http1.ts';

export interface Timings {
  blocked: number;
  connecting: number;
  tls_handshaking: number;
  sending: number;
  waiting: number;
  receiving: number;
  duration: number;
}

export interface TransportRequest {
  method: string;
  origin: string;
  /** Path with query, e.g. "/v1/chat/completions?x=1". */
  path: string;
  /** Flat [name, value, name, value, ...] list. */
  headers: string[];
  body: string | Uint8Array | null;
  timeoutMs: number;
  /** Keep the body bytes (false = count and drop them, responseType 'none'). */
  keepBody: boolean;
  /** Streaming consumers (k6/x/sse): the response as it arrives, chunk by chunk; null for plain requests. */
  stream?: StreamHooks | null;
}

/**
 * Called from undici's parser callbacks, on the socket's data: each body chunk the moment it was
 * read. Hooks must not throw (the transport cannot unwind them).
 */
export interface StreamHooks {
  /** The request is on a socket; `abort` ends it (the exchange then completes with that error). */
  onConnect(abort: (err: Error) => void): void;
  onHeaders(status: number, rawHeaders: Buffer[]): void;
  onBody(chunk: Buffer): void;
}

export interface TransportResult {
  status: number;
  statusText: string;
  /** undici's raw header list [name, value, ...] as Buffers; null when no response arrived. */
  rawHeaders: Buffer[] | null;
  body: Buffer | null;
  error: RequestError | null;
  timings: Timings;
  bytesSent: number;
  bytesReceived: number;
  /** The connection's far end (res.remote_ip, remote_port, tls_version, tls_cipher_suite). */
  peer?: Peer | null;
}

/** Where a connection goes, as k6's Response reports it; one object per connection. */
export interface Peer {
  ip: string;
  port: number;
  /** k6's names: "tls1.2", "tls1.3" ('' over plain http). */
  tlsVersion: string;
  tlsCipher: string;
}

const EMPTY = Buffer.alloc(0);

let rejectUnauthorized = true;

/** options.hosts: where some names connect instead (null: none). */
let hosts: HostsMap | null = null;

/** options.hosts, for connections opened afterwards. */
export function setHosts(map: HostsMap | null): void {
  hosts = map;
}

/** options.insecureSkipTLSVerify: accept any server certificate (for connections opened afterwards). */
export function setInsecureSkipTLSVerify(skip: boolean): void {
  rejectUnauthorized = !skip;
}

interface ConnectTiming {
  start: number;
  tcpEnd: number;
  end: number;
}

const KEEP_ALIVE_MS = 60_000;

/**
 * One keep-alive connection: the lean HTTP/1.1 client (plain requests over http, see http1.ts) or
 * an undici Client with pipelining 1 (the others). A VU's requests reuse it; a VU
 * that sends concurrent requests gets more of them (k6 opens more connections too). A Pool would
 * open a second socket whenever a request arrives while undici still validates the idle socket
 * (one event loop turn after each response), doubling the sockets of a closed loop.
 */
class Connection {
  readonly client: Client | Http1Client;
  inflight = 0;
  private socket: Socket | null = null;
  private read = 0;
  private written = 0;
  /** Bytes of closed sockets not yet reported. */
  private carryRead = 0;
  private carryWritten = 0;
  /** Connect timing not yet claimed (the request that caused the connect claims it). */
  fresh: ConnectTiming | null = null;
  /**
   * The body of the response in flight, gathered here chunk by chunk (one response at a time per
   * connection). Socket chunks then die young instead of living as long as a stream and being
   * promoted to the old generation; a 1000-VU streaming run keeps far less garbage around.
   */
  private body: Buffer = EMPTY;
  bodyLength = 0;
  /**
   * k6's per-request `timeout`: one unref'd timer per connection, re-armed with refresh() for each
   * request (a connection carries one request at a time), instead of a Timeout per request.
   */
  private timer: NodeJS.Timeout | null = null;
  private timerMs = 0;
  private current: Exchange | null = null;

  armTimeout(exchange: Exchange, ms: number): void {
    this.current = exchange;
    if (this.timer !== null && this.timerMs === ms) {
      this.timer.refresh();
      return;
    }
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerMs = ms;
    this.timer = setTimeout(onConnectionTimeout, ms, this);
    // An in-flight request keeps the process alive through its socket, not through this timer.
    this.timer.unref();
  }

  disarmTimeout(exchange: Exchange): void {
    if (this.current === exchange) this.current = null;
  }

  onTimer(): void {
    const exchange = this.current;
    this.current = null;
    exchange?.onTimeout();
  }

  stopTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.current = null;
  }

  constructor(
    origin: string,
    /** Whether this connection carries lean requests (isLeanRequest) or undici's. */
    readonly lean: boolean,
  ) {
    const base = buildConnector({ timeout: 30_000, rejectUnauthorized });
    const connect = ((opts, callback) => {
      const timing: ConnectTiming = { start: performance.now(), tcpEnd: 0, end: 0 };
      // The Host header and the TLS server name come from `host`, which stays the URL's.
      const to = hosts?.match(opts.hostname, opts.port || (opts.protocol === 'https:' ? '443' : '80'));
      const target = to ? { ...opts, hostname: to.ip, port: String(to.port ?? (opts.port || (opts.protocol === 'https:' ? '443' : '80'))) } : opts;
      const socket = base(target, (err, sock) => {
        if (err || !sock) return callback(err ?? new Error('connect failed'), null);
        timing.end = performance.now();
        if (timing.tcpEnd === 0) timing.tcpEnd = timing.end;
        this.fresh = timing;
        this.attach(sock as Socket);
        callback(null, sock as Socket);
      }) as unknown as Socket;
      if (opts.protocol === 'https:') socket.once('connect', () => (timing.tcpEnd = performance.now()));
      return socket;
    }) as Connector;
    this.client = lean
      ? new Http1Client(origin, connect, KEEP_ALIVE_MS)
      : new Client(origin, {
          pipelining: 1,
          // Our own per-request timer implements k6's `timeout`; undici's would fire independently.
          headersTimeout: 0,
          bodyTimeout: 0,
          keepAliveTimeout: KEEP_ALIVE_MS,
          connect: connect as unknown as buildConnector.connector,
        });
  }

  /** The far end of the current socket. */
  peer: Peer | null = null;

  private attach(socket: Socket): void {
    this.socket = socket;
    const tls = socket as Socket & { getProtocol?: () => string | null; getCipher?: () => { standardName?: string; name: string } };
    const protocol = tls.getProtocol?.() ?? null;
    this.peer = {
      ip: socket.remoteAddress ?? '',
      port: socket.remotePort ?? 0,
      tlsVersion: protocol === null ? '' : protocol.replace(/^TLSv/, 'tls').replace(/^tls1$/, 'tls1.0'),
      tlsCipher: protocol === null ? '' : (tls.getCipher?.()?.standardName ?? tls.getCipher?.()?.name ?? ''),
    };
    this.read = 0;
    this.written = 0;
    socket.once('close', () => {
      this.carryRead += socket.bytesRead - this.read;
      this.carryWritten += socket.bytesWritten - this.written;
      if (this.socket === socket) this.socket = null;
    });
  }

  appendBody(chunk: Buffer): void {
    const need = this.bodyLength + chunk.length;
    if (need > this.body.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(need, this.body.length * 2, 4096));
      this.body.copy(grown, 0, 0, this.bodyLength);
      this.body = grown;
    }
    chunk.copy(this.body, this.bodyLength);
    this.bodyLength = need;
  }

  /** A copy of the gathered body (small ones come from Node's shared buffer pool). */
  takeBody(): Buffer {
    const out = Buffer.allocUnsafe(this.bodyLength);
    this.body.copy(out, 0, 0, this.bodyLength);
    this.bodyLength = 0;
    // Do not keep a buffer grown by one huge response.
    if (this.body.length > 1 << 20) this.body = EMPTY;
    return out;
  }

  /** Bytes read and written since the previous call. */
  takeBytes(out: { read: number; written: number }): void {
    let read = this.carryRead;
    let written = this.carryWritten;
    this.carryRead = 0;
    this.carryWritten = 0;
    const socket = this.socket;
    if (socket !== null) {
      const r = socket.bytesRead;
      const w = socket.bytesWritten;
      read += r - this.read;
      written += w - this.written;
      this.read = r;
      this.written = w;
    }
    out.read = read;
    out.written = written;
  }
}

/** The connections one VU holds to one origin. */
class OriginConnections {
  private readonly list: Connection[] = [];

  constructor(private readonly origin: string) {}

  /** An idle connection of this VU of the kind asked for, or a new one. */
  pick(lean: boolean): Connection {
    const list = this.list;
    for (let i = 0; i < list.length; i++) if (list[i].inflight === 0 && list[i].lean === lean) return list[i];
    const conn = new Connection(this.origin, lean);
    list.push(conn);
    return conn;
  }

  clients(): Array<Client | Http1Client> {
    return this.list.map((c) => {
      c.stopTimer();
      return c.client;
    });
  }
}

/** All connections of one VU. */
export class VuConnections {
  private readonly byOrigin = new Map<string, OriginConnections>();

  get(origin: string, lean: boolean): Connection {
    let conns = this.byOrigin.get(origin);
    if (conns === undefined) {
      conns = new OriginConnections(origin);
      this.byOrigin.set(origin, conns);
    }
    return conns.pick(lean);
  }

  private take(): Array<Client | Http1Client> {
    const clients = [...this.byOrigin.values()].flatMap((c) => c.clients());
    this.byOrigin.clear();
    return clients;
  }

  /** Aborts in-flight requests and closes every socket (VU interrupted or test over). */
  async destroy(): Promise<void> {
    await Promise.all(this.take().map((c) => c.destroy().catch(() => {})));
  }
}

const bytes = { read: 0, written: 0 };

/** Turns the transport's result into what send() resolves with (runs synchronously at the end of the request). */
export type Complete<R extends TransportRequest, T> = (req: R, result: TransportResult) => T;

/** One request through undici's legacy dispatch handler interface (the one undici and Http1Client call directly). */
class Exchange {
  private readonly tStart = performance.now();
  private tConn = 0;
  private tSent = 0;
  private tFirst = 0;
  private connect: ConnectTiming | null = null;
  private status = 0;
  private statusText = '';
  private rawHeaders: Buffer[] | null = null;
  private readonly keepBody: boolean;
  private received = 0;
  private abortFn: ((err?: Error) => void) | null = null;
  private timed = false;
  private done = false;
  /** Set by the promise executor in send(). */
  resolve: (value: unknown) => void = noop;
  reject: (err: unknown) => void = noop;

  constructor(
    private readonly conn: Connection,
    private readonly req: TransportRequest,
    private readonly complete: Complete<TransportRequest, unknown>,
  ) {
    const keepBody = req.keepBody;
    const timeoutMs = req.timeoutMs;
    this.keepBody = keepBody;
    if (keepBody) conn.bodyLength = 0;
    if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
      this.timed = true;
      conn.armTimeout(this, timeoutMs);
    }
  }

  onTimeout(): void {
    if (this.done) return;
    const err = new RequestTimeoutError('request timeout');
    if (this.abortFn) this.abortFn(err);
    else this.finish(err);
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.done) {
      abort(new RequestTimeoutError('request timeout'));
      return;
    }
    this.abortFn = abort;
    this.tConn = performance.now();
    if (this.req.stream) this.req.stream.onConnect(abort);
    const fresh = this.conn.fresh;
    if (fresh !== null && fresh.start >= this.tStart) {
      this.connect = fresh;
      this.conn.fresh = null;
    }
  }

  /**
   * undici calls this synchronously once its socket.write() of the request returned: `sending`
   * is then the time to write the request, as k6's WroteRequest. `waiting` still starts at the
   * start of the write (see finish()).
   */
  onRequestSent(): void {
    this.tSent = performance.now();
  }

  onResponseStarted(): void {
    if (this.tFirst === 0) this.tFirst = performance.now();
  }

  onHeaders(status: number, rawHeaders: Buffer[], _resume: () => void, statusText: string): boolean {
    if (this.tFirst === 0) this.tFirst = performance.now();
    // 1xx informational responses precede the real one.
    if (status < 200) return true;
    this.status = status;
    this.statusText = statusText;
    this.rawHeaders = rawHeaders;
    if (this.req.stream) this.req.stream.onHeaders(status, rawHeaders);
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.received += chunk.length;
    if (this.keepBody) this.conn.appendBody(chunk);
    else if (this.req.stream) this.req.stream.onBody(chunk);
    return true;
  }

  onComplete(): void {
    this.finish(null);
  }

  onError(err: Error): void {
    this.finish(err);
  }

  private finish(err: Error | null): void {
    if (this.done) return;
    this.done = true;
    if (this.timed) this.conn.disarmTimeout(this);
    const end = performance.now();
    const tConn = this.tConn || end;
    const tSent = this.tSent || (this.tConn ? end : tConn);
    const tFirst = this.tFirst || (this.tSent ? end : tSent);
    const c = this.connect;
    const connecting = c ? c.tcpEnd - c.start : 0;
    const tls = c ? c.end - c.tcpEnd : 0;
    const sending = tSent - tConn;
    // The server may hold the request from the first written byte on, and on a busy host this
    // process can be descheduled inside the write: measured from the end of the write, waiting
    // (TTFT) could read below the server's own delay. So waiting runs from the start of the
    // write and includes `sending` (microseconds on a healthy connection); duration =
    // waiting + receiving = end - start of write, the same total as k6's sending + waiting + receiving.
    const waiting = tFirst - tConn;
    const receiving = end - tFirst;
    this.conn.inflight--;
    this.conn.takeBytes(bytes);
    let body: Buffer | null = null;
    if (this.keepBody && err === null) {
      body = this.conn.takeBody();
    }
    const result: TransportResult = {
      status: err === null ? this.status : 0,
      statusText: err === null ? this.statusText : '',
      rawHeaders: err === null ? this.rawHeaders : null,
      body,
      error: err === null ? null : classifyError(err),
      timings: {
        blocked: Math.max(0, tConn - this.tStart - connecting - tls),
        connecting,
        tls_handshaking: tls,
        sending,
        waiting,
        receiving,
        duration: waiting + receiving,
      },
      bytesSent: bytes.written,
      bytesReceived: bytes.read,
      peer: this.conn.peer,
    };
    let value: unknown;
    try {
      value = this.complete(this.req, result);
    } catch (e) {
      this.reject(e);
      return;
    }
    this.resolve(value);
  }
}

function onConnectionTimeout(conn: Connection): void {
  conn.onTimer();
}

/**
 * Sends one request on the VU's connections and resolves with `complete(req, result)`, called
 * synchronously when the request ends: one promise per request, and `req` (which carries the
 * caller's own fields) is what undici reads its options from. Network failures come back as
 * status 0 + error; the promise rejects only when `complete` throws.
 */
export function send<R extends TransportRequest, T>(connections: VuConnections, req: R, complete: Complete<R, T>): Promise<T> {
  const conn = connections.get(req.origin, isLeanRequest(req.origin, req));
  conn.inflight++;
  const exchange = new Exchange(conn, req, complete as Complete<TransportRequest, unknown>);
  // A shared executor (it runs synchronously) hands resolve/reject over: no closure per request.
  settling = exchange;
  const promise = new Promise<T>(bindSettle);
  settling = null;
  try {
    // Http1Client takes the same (options, handler) pair as undici's Client.dispatch.
    (conn.client as Client).dispatch(req as unknown as Parameters<Client['dispatch']>[0], exchange as unknown as Parameters<Client['dispatch']>[1]);
  } catch (err) {
    exchange.onError(err as Error);
  }
  return promise;
}

let settling: Exchange | null = null;

function bindSettle(resolve: (value: never) => void, reject: (err: unknown) => void): void {
  settling!.resolve = resolve as (value: unknown) => void;
  settling!.reject = reject;
}

function noop(): void {}
