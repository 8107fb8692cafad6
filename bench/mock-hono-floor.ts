// Context for bench/mock-throughput.ts: the least a Hono app on @hono/node-server can do for the
// same exchange (read and parse the JSON body, answer with the same bytes), so the mock's own cost
// can be told apart from the framework's. Prints "floor listening on <url>".
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';

const body = process.env.MOCK_BARE_BODY ?? '{}';
const requestId = process.env.MOCK_BARE_REQUEST_ID ?? 'req_bare';

const app = new Hono();
app.post(process.env.MOCK_FLOOR_PATH ?? '/v1/chat/completions', async (c) => {
  JSON.parse(await c.req.text());
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json', 'x-request-id': requestId } });
});
const server = createAdaptorServer({ fetch: app.fetch });
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  process.stdout.write(`floor listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
const stop = () => {
  server.close();
  if ('closeAllConnections' in server) server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
