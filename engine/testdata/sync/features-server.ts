// A small HTTP server for the engine's HTTP client tests: redirects, cookies, compressed bodies,
// basic and digest auth, multipart echo, HTML, and remote modules for import tests.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';

export interface FeaturesServer {
  url: string;
  /** Requests seen, by path (method, headers). */
  seen: Array<{ method: string; url: string; headers: IncomingMessage['headers'] }>;
  close(): Promise<void>;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const REALM = 'llmux';
const NONCE = 'abc123nonce';

function digestOk(req: IncomingMessage, user: string, pass: string): boolean {
  const h = req.headers.authorization ?? '';
  if (!h.startsWith('Digest ')) return false;
  const f: Record<string, string> = {};
  for (const m of h.slice(7).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) f[m[1]] = m[2] ?? m[3];
  const ha1 = md5(`${user}:${REALM}:${pass}`);
  const ha2 = md5(`${req.method}:${f.uri}`);
  return f.response === md5(`${ha1}:${f.nonce}:${f.nc}:${f.cnonce}:${f.qop}:${ha2}`) && f.nonce === NONCE;
}

export function startFeaturesServer(modules: Record<string, string> = {}): Promise<FeaturesServer> {
  const seen: FeaturesServer['seen'] = [];
  let slowInFlight = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      const u = new URL(req.url ?? '/', 'http://x');
      const json = (status: number, value: unknown, headers: Record<string, string | string[]> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(value));
      };
      const p = u.pathname;
      if (p.startsWith('/modules/') && modules[p.slice('/modules/'.length)] !== undefined) {
        res.writeHead(200, { 'content-type': 'application/javascript' });
        res.end(modules[p.slice('/modules/'.length)]);
      } else if (p === '/redirect') {
        const n = Number(u.searchParams.get('n') ?? '1');
        res.writeHead(302, { location: n > 1 ? `/redirect?n=${n - 1}` : '/echo' });
        res.end();
      } else if (p === '/redirect-post') {
        res.writeHead(Number(u.searchParams.get('status') ?? '303'), { location: '/echo' });
        res.end();
      } else if (p === '/set-cookie') {
        res.writeHead(200, { 'set-cookie': ['session=s1; Path=/', 'theme=dark; Path=/; HttpOnly'] });
        res.end('ok');
      } else if (p === '/echo') {
        json(200, { method: req.method, headers: req.headers, body: body.toString('utf8'), url: req.url });
      } else if (p === '/compressed') {
        const enc = u.searchParams.get('enc') ?? 'gzip';
        const text = JSON.stringify({ compressed: enc, acceptEncoding: req.headers['accept-encoding'] ?? null });
        const data = enc === 'gzip' ? gzipSync(text) : enc === 'deflate' ? deflateSync(text) : brotliCompressSync(Buffer.from(text));
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': enc });
        res.end(data);
      } else if (p === '/basic') {
        const ok = req.headers.authorization === `Basic ${Buffer.from('user:pa ss').toString('base64')}`;
        json(ok ? 200 : 401, { ok });
      } else if (p === '/digest') {
        if (digestOk(req, 'user', 'secret')) json(200, { ok: true });
        else {
          res.writeHead(401, { 'www-authenticate': `Digest realm="${REALM}", nonce="${NONCE}", qop="auth", algorithm=MD5, opaque="op"` });
          res.end();
        }
      } else if (p === '/multipart') {
        const ct = req.headers['content-type'] ?? '';
        const boundary = /boundary=(.+)$/.exec(ct)?.[1] ?? '';
        const parts = body
          .toString('latin1')
          .split(`--${boundary}`)
          .slice(1, -1)
          .map((part) => {
            const [head, ...rest] = part.split('\r\n\r\n');
            return { head: head.trim(), body: rest.join('\r\n\r\n').replace(/\r\n$/, '') };
          });
        json(200, { contentType: ct, parts });
      } else if (p === '/html') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><head><title>LLMux page</title></head><body><a href="/one" class="l">1</a><a href="/two" class="l">2</a></body></html>');
      } else if (p === '/slow') {
        // `concurrent`: slow requests in flight when this one arrived, itself included.
        const concurrent = ++slowInFlight;
        setTimeout(() => {
          slowInFlight--;
          json(200, { slow: true, concurrent });
        }, Number(u.searchParams.get('ms') ?? '100'));
      } else {
        json(404, { error: 'not found' });
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        seen,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
