// Puts the mock app on a socket with @hono/node-server, and takes it down cleanly.
import { getRequestListener } from '@hono/node-server';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMockApp, type MockApp } from './app.ts';
import type { MockOptions } from './options.ts';

export { createMockApp, type MockApp } from './app.ts';

export interface RunningMock {
  /** Where to reach it: the bound address, or 127.0.0.1 when bound to every interface. */
  url: string;
  /** The address it listens on, as bound (http://0.0.0.0:8080 for MOCK_HOST=0.0.0.0). */
  listening: string;
  port: number;
  app: MockApp;
  server: Server;
  /** Cuts open streams, stops timers and closes the listening socket and every connection. */
  close(): Promise<void>;
}

export async function startMockServer(options: Partial<MockOptions> = {}): Promise<RunningMock> {
  const app = createMockApp(options);
  const { host, port } = app.runtime.opts;
  const limit = app.runtime.opts.bodyLimitBytes;
  // What createAdaptorServer does, with the body read up front (withBufferedBody).
  const { stats } = app.runtime;
  const onCut = () => {
    stats.requestsTotal++;
    stats.clientDisconnects++;
  };
  const server = createServer(withBufferedBody(limit, getRequestListener(app.fetch, { hostname: host }), onCut));
  // Gateways keep pooled upstream connections open for a while; Node's 5 s default would reset them.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A deep backlog: 1000 clients connecting at once must not wait for SYN retransmits.
    server.listen({ host, port, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const bound = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const reachable = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : bound;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${reachable}:${address.port}`,
    listening: `http://${bound}:${address.port}`,
    port: address.port,
    app,
    server,
    close() {
      closing ??= new Promise<void>((resolve) => {
        app.runtime.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** A request whose body is being read before the app sees it. */
interface Buffering extends IncomingMessage {
  rawBody?: Buffer;
  [PENDING]?: { res: ServerResponse; listener: RequestListener; onCut: () => void; first?: Buffer; rest?: Buffer[] };
}
const PENDING = Symbol('pending body');

/**
 * Reads a POST body that declares a Content-Length within the limit before the app sees the
 * request, and hands it over as `rawBody` (which @hono/node-server honours). The route can then
 * answer synchronously, which the adapter writes straight out: no promise chain, no close handler
 * per request. Everything else (chunked or oversized bodies, other methods) passes through as is,
 * and the app's own limits and 413s apply. A client gone mid-body counts as a disconnect.
 * The listeners are shared functions (`this` is the request): closures made per request would each
 * cost a defineProperty under tsx (keepNames). They stay on the request, which lives for this
 * exchange only: after `end` no `data` comes, and `close` then finds nothing pending. No `error`
 * listener: without one, a request cut short only closes (Node emits its error to listeners only).
 */
export function withBufferedBody(limit: number, listener: RequestListener, onCut: () => void): RequestListener {
  return (req: Buffering, res) => {
    const length = req.headers['content-length'];
    if (req.method !== 'POST' || length === undefined || req.headers['transfer-encoding'] !== undefined || !(Number(length) <= limit)) {
      return listener(req, res);
    }
    req[PENDING] = { res, listener, onCut };
    req.on('data', onBodyData);
    req.on('end', onBodyEnd);
    req.on('close', onBodyCut);
  };
}

function onBodyData(this: Buffering, chunk: Buffer): void {
  const p = this[PENDING];
  if (p === undefined) return;
  if (p.first === undefined) p.first = chunk;
  else (p.rest ??= [p.first]).push(chunk);
}

function onBodyEnd(this: Buffering): void {
  handOver(this, true);
}

function onBodyCut(this: Buffering): void {
  handOver(this, false);
}

function handOver(req: Buffering, complete: boolean): void {
  const p = req[PENDING];
  if (!p) return;
  req[PENDING] = undefined;
  if (complete) {
    req.rawBody = p.rest ? Buffer.concat(p.rest) : (p.first ?? Buffer.alloc(0));
    p.listener(req, p.res);
  } else {
    // The client went away mid-body: nobody to answer, no route to run.
    p.onCut();
  }
}
