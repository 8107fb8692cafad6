// A lean HTTP/1.1 client for the common request: plain http, keep-alive, one request at a time
// per connection, a string or byte body and ordinary headers. It drives the same dispatch handler
// as undici's Client (onConnect, onRequestSent, onResponseStarted, onHeaders, onData, onComplete,
// onError), so the transport takes its timings at the same points either way; it writes the
// request as one string and parses the response head with a few string operations instead of
// undici's queue, its request validation and the wasm parser's callbacks per header. Anything
// else (https, headers the client manages itself) goes through undici. Streams (k6/x/sse) come
// here too: on a reused socket the request is written at once, where undici waits for the next
// check phase, so a stream's TTFT, timed from sse.open, would also hold the rest of that loop turn.
import { performance } from 'node:perf_hooks';
import type { Socket } from 'node:net';
import { errors } from 'undici';

/** What the client reads from a request (a TransportRequest). */
export interface Http1Request {
  method: string;
  path: string;
  /** Flat [name, value, ...] list, already checked by isLeanRequest(). */
  headers: string[];
  body: string | Uint8Array | null;
}

/** undici's dispatch handler interface, the part the transport implements. */
export interface Http1Handler {
  onConnect(abort: (err?: Error) => void): void;
  onRequestSent(): void;
  onResponseStarted(): void;
  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean;
  onData(chunk: Buffer): boolean;
  onComplete(trailers: Buffer[] | null): void;
  onError(err: Error): void;
}

/** undici's `connect` option: opens the socket and calls back once it is connected. */
export type Connector = (
  opts: { hostname: string; host: string; protocol: string; port: string },
  callback: (err: Error | null, socket: Socket | null) => void,
) => Socket;

/** Header names the client writes or interprets itself: requests carrying them go through undici. */
const MANAGED = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade', 'expect', 'te', 'trailer', 'proxy-connection']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Printable ASCII and tab: the header is the same bytes whether written as latin1 or utf8. */
const PLAIN_VALUE = /^[\t\x20-\x7e]*$/;
const PLAIN_PATH = /^\/[\x21-\x7e]*$/;

/** Whether `req` fits the lean client (else undici sends it). */
export function isLeanRequest(origin: string, req: Http1Request): boolean {
  if (!origin.startsWith('http:')) return false;
  const body = req.body;
  if (body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) return false;
  if (!TOKEN.test(req.method) || req.method === 'CONNECT' || !PLAIN_PATH.test(req.path)) return false;
  const headers = req.headers;
  // A closed loop sends the same headers again: one string compare each instead of the checks.
  if (sameHeaders(headers, lastAccepted)) return true;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i];
    if (!TOKEN.test(name) || !PLAIN_VALUE.test(headers[i + 1])) return false;
    if (MANAGED.has(name.toLowerCase())) return false;
  }
  lastAccepted = headers.slice();
  return true;
}

/** The headers of the latest request isLeanRequest() accepted. */
let lastAccepted: string[] = [];

function sameHeaders(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** undici's methods that always carry a content-length (0 without a body). */
const EXPECTS_PAYLOAD = new Set(['PUT', 'POST', 'PATCH', 'QUERY', 'PROPFIND', 'PROPPATCH']);
/** The response head may be this large (undici's default maxHeaderSize). */
const MAX_HEAD = 16 * 1024;
/** undici's keepAliveTimeoutThreshold and keepAliveMaxTimeout. */
const KEEP_ALIVE_THRESHOLD_MS = 2_000;
const KEEP_ALIVE_MAX_MS = 600_000;
const CRLFCRLF = Buffer.from('\r\n\r\n');

const enum State {
  Idle,
  Head,
  Fixed,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailers,
  UntilClose,
}

interface Queued {
  req: Http1Request;
  handler: Http1Handler;
}

export class Http1Client {
  private readonly connectOpts: Parameters<Connector>[0];
  private readonly hostLine: string;
  private socket: Socket | null = null;
  private connecting = false;
  private socketError: Error | null = null;
  private readonly queue: Queued[] = [];
  private handler: Http1Handler | null = null;
  private method = '';
  private state = State.Idle;
  private remaining = 0;
  /** Bytes of a head, chunk size line or trailer split over reads. */
  private pending: Buffer | null = null;
  private started = false;
  private keepAlive = true;
  private idleSince = 0;
  private idleLimitMs: number;
  private destroyed = false;
  private readonly abortCurrent = (err?: Error): void => this.fail(err ?? new errors.RequestAbortedError());

  constructor(
    origin: string,
    private readonly connector: Connector,
    private readonly keepAliveDefaultMs: number,
  ) {
    const url = new URL(origin);
    this.connectOpts = { hostname: url.hostname, host: url.host, protocol: url.protocol, port: url.port };
    this.hostLine = `host: ${url.host}\r\nconnection: keep-alive\r\n`;
    this.idleLimitMs = keepAliveDefaultMs;
  }

  dispatch(req: Http1Request, handler: Http1Handler): boolean {
    if (this.destroyed) {
      handler.onError(new errors.ClientDestroyedError());
      return false;
    }
    this.queue.push({ req, handler });
    if (this.handler === null && !this.connecting) this.next();
    return true;
  }

  /** Closes the socket; requests in flight or queued end with ClientDestroyedError. */
  destroy(): Promise<void> {
    this.destroyed = true;
    const err = new errors.ClientDestroyedError();
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
    if (this.handler !== null) this.fail(err);
    for (const q of this.queue.splice(0)) q.handler.onError(err);
    return Promise.resolve();
  }

  /** Starts the next queued request: on the open socket, or on a new one. */
  private next(): void {
    const socket = this.socket;
    if (this.queue.length === 0) {
      socket?.unref();
      return;
    }
    if (socket !== null && (!this.keepAlive || performance.now() - this.idleSince > this.idleLimitMs)) {
      // The server may have closed it by now: a fresh socket rather than a request lost on a dead one.
      this.dropSocket();
    }
    if (this.socket === null) {
      this.connect();
      return;
    }
    this.socket.ref();
    const { req, handler } = this.queue.shift()!;
    this.start(this.socket, req, handler);
  }

  private connect(): void {
    this.connecting = true;
    this.socketError = null;
    this.keepAlive = true;
    this.idleLimitMs = this.keepAliveDefaultMs;
    const socket = this.connector(this.connectOpts, (err, sock) => {
      this.connecting = false;
      if (err !== null || sock === null) {
        if (this.socket === socket) this.socket = null;
        const queued = this.queue.shift();
        queued?.handler.onError(err ?? new errors.SocketError('connect failed'));
        if (!this.destroyed) this.next();
        return;
      }
      if (this.destroyed) return;
      this.next();
    });
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onSocketData(socket, chunk));
    socket.on('error', (err: Error) => {
      if (this.socket === socket) this.socketError = err;
    });
    socket.on('close', () => this.onSocketClose(socket));
    // A connecting socket may emit 'end' before 'close'; half-open sockets are of no use here.
    socket.on('end', () => socket.destroy());
  }

  private start(socket: Socket, req: Http1Request, handler: Http1Handler): void {
    this.handler = handler;
    this.method = req.method;
    this.state = State.Head;
    this.started = false;
    this.pending = null;
    handler.onConnect(this.abortCurrent);
    // onConnect may have aborted (the request's timeout already fired).
    if (this.handler !== handler) return;
    let head = `${req.method} ${req.path} HTTP/1.1\r\n${this.hostLine}`;
    const headers = req.headers;
    for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
    const body = req.body;
    if (typeof body === 'string') {
      if (body.length > 0 || EXPECTS_PAYLOAD.has(req.method)) socket.write(`${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      else socket.write(`${head}\r\n`, 'latin1');
    } else if (body !== null && body.byteLength > 0) {
      socket.cork();
      socket.write(`${head}content-length: ${body.byteLength}\r\n\r\n`, 'latin1');
      socket.write(body);
      socket.uncork();
    } else {
      socket.write(EXPECTS_PAYLOAD.has(req.method) || body !== null ? `${head}content-length: 0\r\n\r\n` : `${head}\r\n`, 'latin1');
    }
    if (this.handler === handler) handler.onRequestSent();
  }

  private onSocketData(socket: Socket, chunk: Buffer): void {
    if (socket !== this.socket) return;
    if (this.handler === null) {
      // Bytes nobody asked for: the connection cannot be trusted any more.
      this.dropSocket();
      return;
    }
    let buf = chunk;
    if (this.pending !== null) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    try {
      this.parse(buf);
    } catch (err) {
      this.dropSocket();
      this.fail(err as Error);
    }
  }

  private parse(buf: Buffer): void {
    let pos = 0;
    const len = buf.length;
    while (pos < len) {
      const handler = this.handler;
      if (handler === null) return;
      switch (this.state) {
        case State.Head: {
          if (!this.started) {
            this.started = true;
            handler.onResponseStarted();
          }
          const end = buf.indexOf(CRLFCRLF, pos);
          if (end === -1) {
            if (len - pos > MAX_HEAD) throw new errors.HeadersOverflowError();
            this.pending = buf.subarray(pos);
            return;
          }
          if (end - pos > MAX_HEAD) throw new errors.HeadersOverflowError();
          this.onHead(buf, pos, end);
          // A response without a body is complete already (anything after it ended the socket).
          if (this.handler !== handler) return;
          pos = end + 4;
          break;
        }
        case State.Fixed:
        case State.ChunkData: {
          const n = Math.min(this.remaining, len - pos);
          handler.onData(buf.subarray(pos, pos + n));
          this.remaining -= n;
          pos += n;
          if (this.remaining === 0) {
            if (this.state === State.Fixed) {
              this.complete(pos < len);
              return;
            }
            this.state = State.ChunkEnd;
          }
          break;
        }
        case State.ChunkSize: {
          const eol = buf.indexOf(10, pos);
          if (eol === -1) {
            if (len - pos > 1024) throw new Error('invalid chunk size');
            this.pending = buf.subarray(pos);
            return;
          }
          const line = buf.toString('latin1', pos, eol);
          const semi = line.indexOf(';');
          const hex = (semi === -1 ? line : line.slice(0, semi)).trim();
          if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw new Error('invalid chunk size');
          const size = parseInt(hex, 16);
          pos = eol + 1;
          if (size === 0) this.state = State.Trailers;
          else {
            this.remaining = size;
            this.state = State.ChunkData;
          }
          break;
        }
        case State.ChunkEnd: {
          if (len - pos < 2) {
            this.pending = buf.subarray(pos);
            return;
          }
          if (buf[pos] !== 13 || buf[pos + 1] !== 10) throw new Error('invalid chunk end');
          pos += 2;
          this.state = State.ChunkSize;
          break;
        }
        case State.Trailers: {
          // Trailer fields (ignored, as the transport does) end with an empty line.
          if (len - pos < 2) {
            this.pending = buf.subarray(pos);
            return;
          }
          if (buf[pos] === 13 && buf[pos + 1] === 10) {
            this.complete(pos + 2 < len);
            return;
          }
          const end = buf.indexOf(CRLFCRLF, pos);
          if (end === -1) {
            if (len - pos > MAX_HEAD) throw new errors.HeadersOverflowError();
            this.pending = buf.subarray(pos);
            return;
          }
          this.complete(end + 4 < len);
          return;
        }
        case State.UntilClose:
          handler.onData(pos === 0 ? buf : buf.subarray(pos));
          return;
        default:
          this.keepAlive = false;
          this.dropSocket();
          return;
      }
    }
  }

  /** The response head in buf[pos, end): status, raw headers and how the body is framed. */
  private onHead(buf: Buffer, pos: number, end: number): void {
    const text = buf.toString('latin1', pos, end);
    let eol = text.indexOf('\r\n');
    if (eol === -1) eol = text.length;
    // "HTTP/1.1 200 OK"
    if (eol < 12 || !text.startsWith('HTTP/1.') || text.charCodeAt(12) !== 32 && eol > 12) throw new Error(`invalid status line "${text.slice(0, Math.min(eol, 80))}"`);
    const minor = text.charCodeAt(7) - 48;
    const status = Number(text.slice(9, 12));
    if (!(status >= 100 && status <= 999) || text.charCodeAt(8) !== 32) throw new Error(`invalid status line "${text.slice(0, Math.min(eol, 80))}"`);
    const statusText = eol > 13 ? text.slice(13, eol) : '';
    const raw: Buffer[] = [];
    let contentLength = -1;
    let chunked = false;
    let connection = '';
    let keepAliveHint = '';
    let at = eol + 2;
    while (at < text.length) {
      let next = text.indexOf('\r\n', at);
      if (next === -1) next = text.length;
      const colon = text.indexOf(':', at);
      if (colon === -1 || colon >= next || colon === at) throw new Error('invalid header line');
      let vs = colon + 1;
      let ve = next;
      while (vs < ve && (text.charCodeAt(vs) === 32 || text.charCodeAt(vs) === 9)) vs++;
      while (ve > vs && (text.charCodeAt(ve - 1) === 32 || text.charCodeAt(ve - 1) === 9)) ve--;
      raw.push(buf.subarray(pos + at, pos + colon), buf.subarray(pos + vs, pos + ve));
      const nameLength = colon - at;
      // Only the names that frame the body or the connection are looked at.
      if (nameLength === 14 || nameLength === 17 || nameLength === 10) {
        const name = text.slice(at, colon).toLowerCase();
        if (name === 'content-length') {
          const value = text.slice(vs, ve);
          if (!/^\d{1,15}$/.test(value) || (contentLength !== -1 && Number(value) !== contentLength)) throw new Error('invalid content-length');
          contentLength = Number(value);
        } else if (name === 'transfer-encoding') chunked = /(^|,)\s*chunked\s*$/i.test(text.slice(vs, ve));
        else if (name === 'connection') connection = text.slice(vs, ve).toLowerCase();
        else if (name === 'keep-alive') keepAliveHint = text.slice(vs, ve);
      }
      at = next + 2;
    }
    const handler = this.handler!;
    if (status < 200) {
      if (status === 101) throw new errors.SocketError('bad upgrade');
      // 1xx informational: the real response follows.
      handler.onHeaders(status, raw, noop, statusText);
      this.state = State.Head;
      return;
    }
    this.keepAlive = minor === 1 ? !connection.includes('close') : connection.includes('keep-alive');
    if (this.keepAlive) {
      const hinted = keepAliveHint === '' ? null : keepAliveSeconds(keepAliveHint);
      if (hinted === null) this.idleLimitMs = this.keepAliveDefaultMs;
      else {
        const ms = Math.min(hinted * 1000 - KEEP_ALIVE_THRESHOLD_MS, KEEP_ALIVE_MAX_MS);
        if (ms <= 0) this.keepAlive = false;
        else this.idleLimitMs = ms;
      }
    }
    handler.onHeaders(status, raw, noop, statusText);
    if (this.handler !== handler) return;
    if (this.method === 'HEAD' || status === 204 || status === 304) {
      this.complete(end + 4 < buf.length);
    } else if (chunked) this.state = State.ChunkSize;
    else if (contentLength === 0) this.complete(end + 4 < buf.length);
    else if (contentLength > 0) {
      this.remaining = contentLength;
      this.state = State.Fixed;
    } else {
      this.keepAlive = false;
      this.state = State.UntilClose;
    }
  }

  /** The response is complete; `extra`: more bytes followed it in the same read. */
  private complete(extra: boolean): void {
    const handler = this.handler!;
    this.handler = null;
    this.state = State.Idle;
    this.pending = null;
    if (extra) this.keepAlive = false;
    if (!this.keepAlive) this.dropSocket();
    this.idleSince = performance.now();
    handler.onComplete(null);
    if (this.handler === null && !this.connecting) this.next();
  }

  /** Ends the current request with `err` and closes its socket. */
  private fail(err: Error): void {
    const handler = this.handler;
    if (handler === null) return;
    this.handler = null;
    this.state = State.Idle;
    this.pending = null;
    this.dropSocket();
    handler.onError(err);
    if (this.handler === null && !this.connecting && !this.destroyed) this.next();
  }

  private dropSocket(): void {
    const socket = this.socket;
    if (socket === null) return;
    this.socket = null;
    this.connecting = false;
    socket.destroy();
  }

  private onSocketClose(socket: Socket): void {
    if (socket !== this.socket) return;
    this.socket = null;
    if (this.handler === null) return;
    if (this.state === State.UntilClose) {
      this.keepAlive = false;
      this.complete(false);
      return;
    }
    this.fail(this.socketError ?? new errors.SocketError('other side closed'));
  }
}

function noop(): void {}

let lastHint = '';
let lastHintSeconds: number | null = null;

/** "timeout=5, max=100" → 5 (undici's parseKeepAliveTimeout); a server sends the same hint every time. */
function keepAliveSeconds(value: string): number | null {
  if (value === lastHint) return lastHintSeconds;
  const m = /timeout=(\d+)/.exec(value);
  lastHint = value;
  lastHintSeconds = m === null ? null : Number(m[1]);
  return lastHintSeconds;
}
