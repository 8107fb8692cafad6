import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Http1Client, isLeanRequest, type Connector, type Http1Handler, type Http1Request } from './http1.ts';

/** A TCP server answering each request with the next scripted reply: pieces written a few ms apart. */
async function rawServer(replies: Array<string[] | ((socket: Socket) => void)>): Promise<{ origin: string; requests: string[]; connections: () => number; server: Server }> {
  const requests: string[] = [];
  let connections = 0;
  let next = 0;
  const server = createServer((socket) => {
    connections++;
    let buf = '';
    socket.on('data', async (d) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      requests.push(buf.slice(0, end + 4 + length));
      buf = buf.slice(end + 4 + length);
      const reply = replies[next++];
      if (typeof reply === 'function') return reply(socket);
      for (const piece of reply) {
        socket.write(piece, 'latin1');
        await new Promise((r) => setTimeout(r, 5));
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  servers.push(server);
  return { origin: `http://127.0.0.1:${port}`, requests, connections: () => connections, server };
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

const connector: Connector = (opts, callback) => {
  const socket = connect(Number(opts.port), opts.hostname);
  socket.once('connect', () => callback(null, socket));
  socket.once('error', (err) => callback(err, null));
  return socket;
};

interface Outcome {
  status: number;
  statusText: string;
  headers: string[];
  body: string;
  error: (Error & { code?: string }) | null;
  events: string[];
}

function request(client: Http1Client, req: Partial<Http1Request> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const out: Outcome = { status: 0, statusText: '', headers: [], body: '', error: null, events: [] };
    const handler: Http1Handler = {
      onConnect: () => out.events.push('connect'),
      onRequestSent: () => out.events.push('sent'),
      onResponseStarted: () => out.events.push('started'),
      onHeaders(status, raw, _resume, statusText) {
        out.events.push(`headers ${status}`);
        if (status >= 200) {
          out.status = status;
          out.statusText = statusText;
          out.headers = raw.map((b) => b.toString('latin1'));
        }
        return true;
      },
      onData(chunk) {
        out.body += chunk.toString('utf8');
        return true;
      },
      onComplete: () => resolve(out),
      onError(err) {
        out.error = err;
        resolve(out);
      },
    };
    client.dispatch({ method: 'GET', path: '/', headers: [], body: null, ...req }, handler);
  });
}

describe('Http1Client', () => {
  it('reuses one keep-alive socket, writes the request as undici does and reads split content-length bodies', async () => {
    const srv = await rawServer([
      ['HTTP/1.1 200 OK\r\nContent-Le', 'ngth: 5\r\nX-A:  spaced \t\r\n\r\nhe', 'llo'],
      ['HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n'],
    ]);
    const client = new Http1Client(srv.origin, connector, 60_000);
    const a = await request(client, { method: 'POST', path: '/v1/x?y=1', headers: ['Content-Type', 'application/json'], body: '{"é":1}' });
    expect(a).toMatchObject({ status: 200, statusText: 'OK', body: 'hello', error: null });
    expect(a.headers).toEqual(['Content-Length', '5', 'X-A', 'spaced']);
    expect(a.events).toEqual(['connect', 'sent', 'started', 'headers 200']);
    const host = new URL(srv.origin).host;
    expect(srv.requests[0]).toBe(`POST /v1/x?y=1 HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\nContent-Type: application/json\r\ncontent-length: 8\r\n\r\n${Buffer.from('{"é":1}').toString('latin1')}`);
    const b = await request(client, { method: 'PUT' });
    expect(b).toMatchObject({ status: 201, statusText: 'Created', body: '' });
    expect(srv.requests[1]).toBe(`PUT / HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n`);
    expect(srv.connections()).toBe(1);
    await client.destroy();
  });

  it('reads chunked bodies split anywhere, with extensions and trailers; skips 1xx; HEAD and 204 have no body', async () => {
    const srv = await rawServer([
      ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', '3;ext=1\r\nab', 'c\r', '\n1', '0\r\n0123456789abcdef\r\n0\r\nX-Trailer: 1\r\n\r\n'],
      ['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n'],
      ['HTTP/1.1 204 No Content\r\n\r\n'],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ]);
    const client = new Http1Client(srv.origin, connector, 60_000);
    const a = await request(client);
    expect(a).toMatchObject({ status: 200, body: 'abc0123456789abcdef', error: null });
    expect(a.events).toEqual(['connect', 'sent', 'started', 'headers 100', 'headers 200']);
    expect(await request(client, { method: 'HEAD' })).toMatchObject({ status: 200, body: '', error: null });
    expect(await request(client)).toMatchObject({ status: 204, body: '', error: null });
    expect(await request(client)).toMatchObject({ status: 200, body: '', error: null });
    expect(srv.connections()).toBe(1);
    await client.destroy();
  });

  it('reads a body delimited by the close, then opens a new socket; connection: close is honoured', async () => {
    const srv = await rawServer([
      (s) => s.end('HTTP/1.1 200 OK\r\n\r\nuntil the end'),
      ['HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok'],
      ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n!'],
    ]);
    const client = new Http1Client(srv.origin, connector, 60_000);
    expect(await request(client)).toMatchObject({ status: 200, body: 'until the end', error: null });
    expect(await request(client)).toMatchObject({ status: 200, body: 'ok', error: null });
    expect(await request(client)).toMatchObject({ status: 200, body: '!', error: null });
    expect(srv.connections()).toBe(3);
    await client.destroy();
  });

  it("fails a response cut short with undici's SocketError and a refused connect with ECONNREFUSED", async () => {
    const srv = await rawServer([(s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'), ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n']]);
    const client = new Http1Client(srv.origin, connector, 60_000);
    const cut = await request(client);
    expect(cut.error?.code).toBe('UND_ERR_SOCKET');
    expect(cut.body).toBe('abc');
    expect(await request(client)).toMatchObject({ status: 200, error: null });
    await client.destroy();
    srv.server.close();
    const refused = new Http1Client(srv.origin, connector, 60_000);
    expect((await request(refused)).error?.code).toBe('ECONNREFUSED');
    await refused.destroy();
  });

  it('fails malformed responses and ends queued requests on destroy()', async () => {
    const srv = await rawServer([['HTTP/1.1 2x0 Nope\r\n\r\n'], (s) => void s]);
    const client = new Http1Client(srv.origin, connector, 60_000);
    expect((await request(client)).error?.message).toMatch(/invalid status line/);
    const inFlight = request(client);
    const queued = request(client);
    await new Promise((r) => setTimeout(r, 50));
    await client.destroy();
    expect((await inFlight).error?.code).toBe('UND_ERR_DESTROYED');
    expect((await queued).error?.code).toBe('UND_ERR_DESTROYED');
    expect((await request(client)).error?.code).toBe('UND_ERR_DESTROYED');
  });
});

describe('isLeanRequest', () => {
  const req = (over: Partial<Http1Request & { stream: unknown }> = {}) => ({ method: 'POST', path: '/v1/chat/completions', headers: ['Content-Type', 'application/json'], body: '{}', stream: null, ...over });
  it('takes plain http requests with ordinary headers; leaves the rest to undici', () => {
    expect(isLeanRequest('http://127.0.0.1:1', req())).toBe(true);
    expect(isLeanRequest('http://127.0.0.1:1', req({ body: new Uint8Array(3) }))).toBe(true);
    expect(isLeanRequest('https://127.0.0.1:1', req())).toBe(false);
    // Streams too: their request goes out at once on a reused socket (transport.test.ts).
    expect(isLeanRequest('http://127.0.0.1:1', req({ stream: {} }))).toBe(true);
    for (const name of ['Host', 'Content-Length', 'Connection', 'Transfer-Encoding', 'Expect']) expect(isLeanRequest('http://127.0.0.1:1', req({ headers: [name, '1'] }))).toBe(false);
    expect(isLeanRequest('http://127.0.0.1:1', req({ headers: ['X-Name', 'café'] }))).toBe(false);
    expect(isLeanRequest('http://127.0.0.1:1', req({ headers: ['Bad Name', 'x'] }))).toBe(false);
    expect(isLeanRequest('http://127.0.0.1:1', req({ path: '/a b' }))).toBe(false);
  });
});
