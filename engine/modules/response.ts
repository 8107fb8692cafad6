// k6's Response object, shared by the event-loop VUs and the worker VUs (which rebuild it from the
// wire form the main thread sends): one implementation of what a script reads from a response.
// Body and headers are decoded on first access; gzip, deflate and br bodies are decompressed then.
import type * as NodeZlib from 'node:zlib';
import type { Timings, TransportResult } from '../transport.ts';
import { gjsonGet } from './gjson.ts';

// Loaded on first use: worker VUs get bodies already decoded and need not pay for node:zlib.
let zlibModule: typeof NodeZlib | undefined;
const zlib = (): typeof NodeZlib => (zlibModule ??= process.getBuiltinModule('node:zlib'));

export type ResponseType = 'text' | 'binary' | 'none';

/** Go's canonical header name ("content-type" → "Content-Type"), as k6 shows response headers. */
export function canonical(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

export interface RequestInfo {
  method: string;
  url: string;
  headers: Record<string, string[]>;
  body: string;
  cookies: Record<string, Array<{ name: string; value: string; replace: boolean }>>;
}

export interface ResponseCookie {
  name: string;
  value: string;
  domain: string;
  path: string;
  http_only: boolean;
  secure: boolean;
  max_age: number;
  expires: number;
}

/** What the worker VUs receive for a response (structured-clone friendly). */
export interface ResponseWire {
  result: Omit<TransportResult, 'rawHeaders' | 'body' | 'peer'> & { rawHeaders: string[] | null; body: Uint8Array | null };
  /** The peer as "ip\nport\ntlsVersion\ntlsCipher" (null: none). */
  peer: string | null;
  url: string;
  method: string;
  headers: string[];
  body: string | Uint8Array | null;
  type: ResponseType;
  cookies: Record<string, ResponseCookie[]> | null;
  requestCookies: RequestInfo['cookies'] | null;
}

const asBuffer = (u: Uint8Array): Buffer => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));

function decompress(raw: Buffer, encoding: string): Buffer {
  let out = raw;
  // "gzip, br" = gzip first, then br: undo from the last.
  for (const enc of encoding.toLowerCase().split(',').map((e) => e.trim()).filter(Boolean).reverse()) {
    if (enc === 'gzip' || enc === 'x-gzip') out = zlib().gunzipSync(out);
    else if (enc === 'br') out = zlib().brotliDecompressSync(out);
    else if (enc === 'deflate') {
      // RFC 9110 deflate is zlib-wrapped; some servers send raw deflate.
      try {
        out = zlib().inflateSync(out);
      } catch {
        out = zlib().inflateRawSync(out);
      }
    } else if (enc !== 'identity') throw new Error(`unsupported content encoding "${enc}"`);
  }
  return out;
}

export class Response {
  readonly status: number;
  readonly url: string;
  readonly proto: string;
  error: string;
  error_code: number;
  readonly timings: Timings;
  #result: TransportResult;
  #raw: Buffer | null;
  #rawHeaders: Buffer[] | null;
  #type: ResponseType;
  #body: string | ArrayBuffer | null | undefined;
  #headers: Record<string, string> | undefined;
  #json: unknown;
  #method: string;
  #requestHeaders: string[];
  #requestBody: string | Uint8Array | null;
  #request: RequestInfo | undefined;
  #cookies: Record<string, ResponseCookie[]> | null;
  #requestCookies: RequestInfo['cookies'] | null;
  #statusText: string;

  constructor(
    result: TransportResult,
    url: string,
    method: string,
    headers: string[],
    body: string | Uint8Array | null,
    type: ResponseType,
    cookies: Record<string, ResponseCookie[]> | null = null,
    requestCookies: RequestInfo['cookies'] | null = null,
  ) {
    this.status = result.status;
    this.#result = result;
    this.#statusText = result.statusText;
    this.url = url;
    this.proto = result.status === 0 ? '' : 'HTTP/1.1';
    this.error = result.error?.message ?? '';
    this.error_code = result.error?.code ?? 0;
    this.timings = result.timings;
    this.#method = method;
    this.#requestHeaders = headers;
    this.#requestBody = body;
    this.#raw = result.body;
    this.#rawHeaders = result.rawHeaders;
    this.#type = type;
    this.#cookies = cookies;
    this.#requestCookies = requestCookies;
  }

  /** The form sent to a worker VU (the body bytes are copied by postMessage). */
  toWire(): ResponseWire {
    const { rawHeaders, body: _body, peer, ...rest } = this.#result;
    // Strings and a right-sized copy: a Buffer may be a slice of a far larger pooled ArrayBuffer,
    // which postMessage would copy whole. The peer crosses as one string: an object costs every
    // response a nested object to serialise and rebuild.
    return {
      result: { ...rest, rawHeaders: rawHeaders?.map((b) => b.toString('latin1')) ?? null, body: this.#raw === null ? null : new Uint8Array(this.#raw) },
      peer: peer ? `${peer.ip}\n${peer.port}\n${peer.tlsVersion}\n${peer.tlsCipher}` : null,
      url: this.url,
      method: this.#method,
      headers: this.#requestHeaders,
      body: this.#requestBody,
      type: this.#type,
      cookies: this.#cookies,
      requestCookies: this.#requestCookies,
    };
  }

  static fromWire(w: ResponseWire): Response {
    const result: TransportResult = { ...w.result, rawHeaders: w.result.rawHeaders?.map((h) => Buffer.from(h, 'latin1')) ?? null, body: w.result.body === null ? null : asBuffer(w.result.body) };
    if (w.peer !== null) {
      const [ip, port, tlsVersion, tlsCipher] = w.peer.split('\n');
      result.peer = { ip, port: Number(port), tlsVersion, tlsCipher };
    }
    const res = new Response(result, w.url, w.method, w.headers, w.body, w.type, w.cookies, w.requestCookies);
    return res;
  }

  // Fields scripts rarely read are getters on the prototype, not per-response allocations.
  get status_text(): string {
    return this.status === 0 ? '' : `${this.status} ${this.#statusText}`.trim();
  }
  get remote_ip(): string {
    return this.#result.peer?.ip ?? '';
  }
  get remote_port(): number {
    return this.#result.peer?.port ?? 0;
  }
  get tls_version(): string {
    return this.#result.peer?.tlsVersion ?? '';
  }
  get tls_cipher_suite(): string {
    return this.#result.peer?.tlsCipher ?? '';
  }
  get ocsp(): { status: string } {
    return { status: 'unknown' };
  }
  /** Cookies the response set, by name (k6's res.cookies). */
  get cookies(): Record<string, ResponseCookie[]> {
    return (this.#cookies ??= {});
  }

  get body(): string | ArrayBuffer | null {
    if (this.#body === undefined) {
      let raw = this.#raw;
      if (this.#type === 'none' || raw === null) this.#body = null;
      else {
        const encoding = this.#encoding();
        if (encoding !== '') {
          try {
            raw = decompress(raw, encoding);
          } catch (e) {
            // k6 reports a body it cannot decompress as the response's error.
            this.error = `error decompressing response body: ${(e as Error).message}`;
            this.error_code = 1701;
          }
        }
        if (this.#type === 'binary') this.#body = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
        else this.#body = raw.toString('utf8');
      }
      this.#raw = null;
    }
    return this.#body;
  }

  #encoding(): string {
    const raw = this.#rawHeaders;
    if (raw === null) return '';
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i];
      if (name.length === 16 && name.toString('latin1').toLowerCase() === 'content-encoding') return raw[i + 1].toString('latin1');
    }
    return '';
  }

  /** The request as sent (headers by canonical name, as k6 shows them). */
  get request(): RequestInfo {
    if (this.#request === undefined) {
      const headers: Record<string, string[]> = {};
      const raw = this.#requestHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) (headers[canonical(raw[i])] ??= []).push(raw[i + 1]);
      const body = this.#requestBody;
      this.#request = {
        method: this.#method,
        url: this.url,
        headers,
        body: typeof body === 'string' ? body : body === null ? '' : Buffer.from(body).toString(),
        cookies: this.#requestCookies ?? {},
      };
    }
    return this.#request;
  }

  get headers(): Record<string, string> {
    if (this.#headers === undefined) {
      const out: Record<string, string> = {};
      const raw = this.#rawHeaders ?? [];
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const name = canonical(raw[i].toString('latin1'));
        const value = raw[i + 1].toString('latin1');
        out[name] = name in out ? `${out[name]}, ${value}` : value;
      }
      this.#headers = out;
    }
    return this.#headers;
  }

  json(selector?: string): unknown {
    if (this.#json === undefined) {
      const body = this.body;
      if (body === null) throw new Error('the body is null so we can\'t transform it to JSON - this likely was because of a request error getting the response');
      const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
      try {
        this.#json = JSON.parse(text);
      } catch (err) {
        // With a selector k6 answers undefined for a body that is not JSON; without, it throws.
        if (selector !== undefined) return undefined;
        throw new Error(`cannot parse json due to an error at offset: ${(err as Error).message}`);
      }
    }
    return selector === undefined ? this.#json : gjsonGet(this.#json, selector);
  }

  /** JSON.stringify(res) shows every field, getters included, as k6's Response object does. */
  toJSON(): Record<string, unknown> {
    const { status, status_text, url, proto, error, error_code, timings, remote_ip, remote_port, tls_version, tls_cipher_suite, ocsp, cookies, body, headers } = this;
    return { status, status_text, url, proto, error, error_code, timings, remote_ip, remote_port, tls_version, tls_cipher_suite, ocsp, cookies, body, headers };
  }

  /** k6's res.html(): a Selection over the body, parsed by cheerio (loaded on first use). */
  html(selector?: string): unknown {
    const body = this.body;
    const text = typeof body === 'string' ? body : body === null ? '' : Buffer.from(body).toString('utf8');
    return htmlSelection(text, selector);
  }
}

type HtmlParser = (text: string, selector?: string) => unknown;
let htmlParser: HtmlParser | null = null;

/** Installed by the html module, so Response does not load cheerio until a script parses HTML. */
export function setHtmlParser(parser: HtmlParser): void {
  htmlParser = parser;
}

function htmlSelection(text: string, selector?: string): unknown {
  if (htmlParser === null) throw new Error('res.html(): the HTML parser is not loaded');
  return htmlParser(text, selector);
}
