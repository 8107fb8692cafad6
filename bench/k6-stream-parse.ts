// Cost of the scenario's own work per streamed response: parsing the SSE body and checking it
// (analyseStream), on streams produced by the mock. This is load-generator CPU spent per request
// under the embedded engine (V8); k6's runtime (sobek) is slower, so treat it as a lower bound there.
//   node --import tsx bench/k6-stream-parse.ts [--seconds 2]
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { analyseStream, checkCompletion } from '../k6/lib/completion.ts';
import { createMockApp } from '../mock/index.ts';

const secondsArg = process.argv.indexOf('--seconds');
const seconds = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 2;
if (!(seconds > 0)) {
  console.error('--seconds must be a positive number');
  process.exit(2);
}

async function body(tokens: number, stream: boolean): Promise<string> {
  const app = createMockApp({ latencyMs: 0, itlMs: 0, tokens, seed: 1 });
  const payload: Record<string, unknown> = { model: 'gpt-4o', messages: [{ role: 'user', content: 'bench' }] };
  if (stream) Object.assign(payload, { stream: true, stream_options: { include_usage: true } });
  const res = await app.request('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  return res.text();
}

function measure(label: string, text: string, fn: (text: string) => unknown): void {
  // Warm the JIT, then run for the given time.
  for (let i = 0; i < 200; i++) fn(text);
  let runs = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  while (performance.now() < until) {
    for (let i = 0; i < 50; i++) fn(text);
    runs += 50;
  }
  const elapsed = performance.now() - start;
  const perRunUs = (elapsed * 1000) / runs;
  const mbPerS = (Buffer.byteLength(text) * runs) / (elapsed / 1000) / 1e6;
  console.log(`${label.padEnd(34)} ${String(Buffer.byteLength(text)).padStart(7)} B  ${perRunUs.toFixed(1).padStart(8)} µs/response  ${mbPerS.toFixed(0).padStart(5)} MB/s`);
}

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; ${seconds} s per case`);
for (const tokens of [20, 200, 1000]) {
  const text = await body(tokens, true);
  const report = analyseStream(text);
  if (!report.ok || report.contentChunks !== tokens) throw new Error(`unexpected stream for ${tokens} tokens`);
  measure(`analyseStream, ${tokens} tokens`, text, analyseStream);
}
const plain = await body(200, false);
if (!checkCompletion(plain).content) throw new Error('unexpected completion');
measure('checkCompletion, 200 tokens', plain, checkCompletion);
