// The transport on its own: how a streaming request (k6/x/sse) goes out on a VU's connection.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, VuConnections, type StreamHooks, type TransportRequest } from './transport.ts';

let server: Server;
let origin = '';
const sockets = new Set<unknown>();

beforeAll(async () => {
  server = createServer((req, res) => {
    sockets.add(req.socket);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      res.end('data: two\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A stream request whose hooks log what happened, in order. */
function streamRequest(log: string[]): TransportRequest {
  const stream: StreamHooks = {
    onConnect: () => log.push('connect'),
    onHeaders: (status) => log.push(`headers ${status}`),
    onBody: (chunk) => log.push(`body ${JSON.stringify(chunk.toString())}`),
  };
  return { method: 'POST', origin, path: '/v1/chat/completions', headers: ['content-type', 'application/json'], body: '{}', timeoutMs: 0, keepBody: false, stream };
}

describe('streams on a kept-alive connection', () => {
  it('write the next request at once, inside send(), not a loop turn later', async () => {
    const conns = new VuConnections();
    const first: string[] = [];
    const a = await send(conns, streamRequest(first), (_req, r) => r);
    expect(a.status).toBe(200);
    expect(first[0]).toBe('connect');
    expect(first.slice(1).join('')).toContain('headers 200');
    expect(first.join(' ')).toMatch(/data: one.*data: two/s);
    // The stream's start (sse.open) is its TTFT's zero: the request must be on the socket by the
    // time send() returns, or the rest of the event-loop turn counts as the server's latency.
    const second: string[] = [];
    const pending = send(conns, streamRequest(second), (_req, r) => r);
    expect(second).toEqual(['connect']);
    expect((await pending).status).toBe(200);
    expect(sockets.size).toBe(1);
    await conns.destroy();
  });
});
