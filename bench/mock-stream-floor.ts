// Context for bench/mock-streaming.ts: about the least Node can do to pace the same streams on one
// core. node:http, no framework, no validation; the same chunk bytes framed by hand and written
// straight to the socket; one 1 ms interval walking every open stream. Prints "floor listening on <url>".
// Reads --latency/--itl/--tokens like the mock (milliseconds / count only).
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number.parseFloat(process.argv[i + 1]) : fallback;
};
const LATENCY = arg('latency', 50);
const ITL = arg('itl', 10);
const TOKENS = arg('tokens', 20);

const open = `data: {"id":"chatcmpl-floorfloorfloorfloorfloor","object":"chat.completion.chunk","created":${Math.floor(Date.now() / 1000)},"model":"gpt-4o","service_tier":"default","system_fingerprint":"fp_llmux_mock","choices":[`;
const role = `${open}{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]}\n\n`;
const token = `${open}{"index":0,"delta":{"content":" lazy"},"logprobs":null,"finish_reason":null}]}\n\n`;
const tail = `${open}{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n`;
const frame = (s: string) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;
const tokenFrame = frame(token);

interface Stream {
  res: http.ServerResponse;
  socket: Socket | null;
  next: number;
  sent: number;
  done: boolean;
}
let streams: Stream[] = [];

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const s: Stream = { res, socket: null, next: performance.now() + LATENCY, sent: 0, done: false };
    res.on('close', () => (s.done = true));
    streams.push(s);
  });
});

setInterval(() => {
  const now = performance.now();
  let live = 0;
  for (const s of streams) {
    if (s.done) continue;
    if (s.next <= now + 0.5) {
      if (s.sent === 0) {
        s.res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
        s.res.write(role + token);
        s.socket = s.res.socket;
      } else if (s.sent < TOKENS - 1) s.socket!.write(tokenFrame);
      if (++s.sent === TOKENS) {
        s.res.end(s.sent === 1 ? tail : token + tail);
        s.done = true;
        continue;
      }
      s.next += ITL;
    }
    streams[live++] = s;
  }
  streams.length = live;
}, 1);

server.keepAliveTimeout = 65_000;
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  process.stdout.write(`floor listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
const stop = () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
