// Context for bench/mock-throughput.ts: the least a Hono app on @hono/node-server can do for the
// same exchange, served the way the mock is served (the body read before routing by the mock's own
// withBufferedBody, a synchronous route that parses it and answers stored bytes), so the mock's
// own work per request can be told apart from the framework's. Prints "floor listening on <url>".
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_MOCK_OPTIONS } from '../mock/options.ts';
import { withBufferedBody } from '../mock/server.ts';

const body = process.env.MOCK_BARE_BODY ?? '{}';
const requestId = process.env.MOCK_BARE_REQUEST_ID ?? 'req_bare';

const app = new Hono<{ Bindings: { incoming: IncomingMessage & { rawBody?: Buffer } } }>();
const answer = (text: string): Response => {
  JSON.parse(text);
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json', 'x-request-id': requestId } });
};
// Synchronous when the body came first, as the mock's routes are: the adapter then writes the
// answer straight out.
app.post(process.env.MOCK_FLOOR_PATH ?? '/v1/chat/completions', (c): Response | Promise<Response> => {
  const raw = c.env.incoming.rawBody;
  return raw ? answer(raw.toString('utf8')) : c.req.text().then(answer);
});
const server = createServer(withBufferedBody(DEFAULT_MOCK_OPTIONS.bodyLimitBytes, getRequestListener(app.fetch), () => {}));
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  process.stdout.write(`floor listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
const stop = () => {
  server.close();
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
