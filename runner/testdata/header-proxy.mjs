// A small OpenAI-style gateway for tests, in plain Node: it forwards every request to the upstream
// named by a request header (as gateways that route by header do), falling back to --upstream.
//   node header-proxy.mjs --port 4000 [--route-header x-upstream] [--upstream URL]
//        [--fail-every N]   answer every Nth request 502 itself, with a JSON error body
//        [--zero-usage]     append a final usage chunk with zeros to every stream (before [DONE])
// It logs one line per failure to stderr and its start to stdout.
import { createServer, request } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'route-header': { type: 'string', default: 'x-upstream' },
    upstream: { type: 'string' },
    'fail-every': { type: 'string' },
    'zero-usage': { type: 'boolean', default: false },
  },
});
const routeHeader = values['route-header'].toLowerCase();
const failEvery = values['fail-every'] ? Number(values['fail-every']) : 0;
const ZERO_USAGE = `data: ${JSON.stringify({ id: 'chatcmpl-gw', object: 'chat.completion.chunk', created: 0, model: 'gw', choices: [], usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } })}\n\n`;
let seq = 0;

const server = createServer((req, res) => {
  seq++;
  if (failEvery > 0 && seq % failEvery === 0) {
    process.stderr.write(`request ${seq}: failing on purpose (--fail-every ${failEvery})\n`);
    req.resume();
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'fixture gateway: upstream timed out', type: 'bad_gateway', code: 502 } }));
    return;
  }
  const upstream = req.headers[routeHeader] ?? values.upstream;
  if (!upstream) {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `no upstream: set the ${routeHeader} header` } }));
    return;
  }
  const target = new URL(req.url, upstream);
  const headers = { ...req.headers };
  delete headers[routeHeader];
  delete headers.host;
  const out = request(target, { method: req.method, headers }, (up) => {
    const streamed = String(up.headers['content-type'] ?? '').startsWith('text/event-stream');
    res.writeHead(up.statusCode ?? 502, up.headers);
    if (!(streamed && values['zero-usage'])) {
      up.pipe(res);
      return;
    }
    up.setEncoding('utf8');
    up.on('data', (text) => res.write(text.replace('data: [DONE]', `${ZERO_USAGE}data: [DONE]`)));
    up.on('end', () => res.end());
  });
  out.on('error', (error) => {
    process.stderr.write(`request ${seq}: upstream ${target.origin} failed: ${error.code ?? error.message}\n`);
    if (res.headersSent) return res.destroy();
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `upstream ${target.origin} unreachable: ${error.code ?? error.message}`, type: 'bad_gateway' } }));
  });
  req.pipe(out);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(values.port), '127.0.0.1', () => process.stdout.write(`header-proxy listening on 127.0.0.1:${server.address().port}\n`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
