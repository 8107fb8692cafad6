// The reference for bench/mock-throughput.ts: a bare node:http server that reads and parses the
// same JSON body as the mock and answers with the same bytes and headers (a body captured from the
// mock, passed in MOCK_BARE_BODY). It prints "bare listening on <url>" like the mock.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const body = Buffer.from(process.env.MOCK_BARE_BODY ?? '{}');
const requestId = process.env.MOCK_BARE_REQUEST_ID ?? 'req_bare';

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': requestId, 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  process.stdout.write(`bare listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
const stop = () => {
  server.close();
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
