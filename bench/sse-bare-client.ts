// A bare Node client for streamed chat completions: N concurrent keep-alive loops over node:http,
// each content delta timed in the socket's 'data' callback with performance.now(). The reference
// the engine's k6/x/sse timing is compared with (bench/streaming-sse-accuracy.ts runs it as a
// child process). Writes {ttft: [...], itl: [...], streams, failed} (ms) to --out.
//   node --import tsx bench/sse-bare-client.ts --url URL --concurrency 100 --requests 1000 --skip 100 --out FILE
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    concurrency: { type: 'string', default: '100' },
    requests: { type: 'string', default: '1000' },
    skip: { type: 'string', default: '0' },
    out: { type: 'string' },
  },
});
if (!values.url || !values.out) throw new Error('--url and --out are required');
const url = new URL(values.url);
const concurrency = Number(values.concurrency);
const total = Number(values.requests);
const skip = Number(values.skip);
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const body = JSON.stringify({ model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Reply with one short sentence about load testing.' }] });

const ttft: number[] = [];
const itl: number[] = [];
let started = 0;
let failed = 0;

function stream(): Promise<void> {
  const index = started++;
  return new Promise((resolve) => {
    const deltas: number[] = [];
    const start = performance.now();
    const req = request(
      { agent, method: 'POST', host: url.hostname, port: url.port, path: url.pathname, headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let rest = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const t = performance.now();
          rest += chunk;
          let end = rest.indexOf('\n\n');
          while (end >= 0) {
            const block = rest.slice(0, end);
            rest = rest.slice(end + 2);
            end = rest.indexOf('\n\n');
            const data = block.startsWith('data: ') ? block.slice(6) : '';
            if (data === '' || data === '[DONE]') continue;
            const content = (JSON.parse(data) as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta?.content;
            if (typeof content === 'string' && content.length > 0) deltas.push(t);
          }
        });
        res.on('end', () => {
          if (res.statusCode !== 200 || deltas.length === 0) failed++;
          else if (index >= skip) {
            ttft.push(deltas[0] - start);
            for (let i = 1; i < deltas.length; i++) itl.push(deltas[i] - deltas[i - 1]);
          }
          resolve();
        });
      },
    );
    req.on('error', () => {
      failed++;
      resolve();
    });
    req.end(body);
  });
}

async function loop(): Promise<void> {
  while (started < total) await stream();
}

await Promise.all(Array.from({ length: concurrency }, loop));
agent.destroy();
writeFileSync(values.out, JSON.stringify({ ttft, itl, streams: started, failed }));
