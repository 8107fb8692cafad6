// Streaming chat completions timed per token: the stream is read with k6/x/sse (the xk6-sse
// extension; built into the embedded engine), so each content delta is timed as it arrives.
// TTFT is the first content delta, ITL one sample per gap between deltas, TPOT the mean time per
// token after the first. Same environment contract and stream checks as streaming.js (usage
// accuracy counted apart as usage_mismatch).
// Under k6 the extension is needed: k6 >= 1.2 resolves `k6/x/sse` by itself, older k6 needs
// `xk6 build --with github.com/phymbert/xk6-sse` (see docs/scenarios.md).
import { check } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import sse from 'k6/x/sse';
import { classifyFailure } from './lib/classify.ts';
import { StreamAnalyser } from './lib/completion.ts';
import { parseConfig } from './lib/config.ts';
import { buildOptions } from './lib/options.ts';
import { chatBody, requestHeaders } from './lib/payload.ts';
import { currentIteration, newSetupData, recordFailure } from './lib/runtime.ts';
import { summaryOutputs, type SetupData, type SummaryData } from './lib/summary.ts';
import { clock, tokenTimings } from './lib/token-timing.ts';

const config = parseConfig(__ENV, 'streaming');

export const options: Options = buildOptions(config, { sse: true });

const ttft = new Trend('ttft', true);
const itl = new Trend('itl', true);
const tpot = new Trend('tpot', true);
const streamDuration = new Trend('stream_duration', true);
const outputTokens = new Counter('output_tokens');
const tokensPerSecond = new Trend('tokens_per_second');
const streamOk = new Rate('stream_ok');
// Usage accuracy apart from integrity, as in streaming.js: a gateway rewriting usage fails no stream.
const usageMismatch = new Counter('usage_mismatch');
const now = clock();
// The same on every stream: built once per VU, not per iteration.
const headers = requestHeaders(config, true);
const timeout = `${config.timeoutMs}ms`;

export function setup(): SetupData {
  return newSetupData();
}

export default async function (data: SetupData): Promise<void> {
  const { tags, prompt } = currentIteration(config, data);
  const analyser = new StreamAnalyser();
  const deltas: number[] = [];
  const streamErrors: string[] = [];
  const params = { method: 'POST', body: chatBody(config, prompt, true), headers, tags, timeout };
  const start = now();
  // `await` is a no-op under k6, where sse.open blocks and returns the response.
  const res = await sse.open(config.url, params, (client) => {
    client.on('event', (event) => {
      const t = now();
      // The extension dispatches on every blank line; an event without data is not one.
      if (event.data === '') return;
      if (analyser.add(event.name || 'message', event.data)) deltas.push(t);
    });
    // A read error would leave the extension waiting for the end of the test: end the stream.
    client.on('error', (e) => {
      streamErrors.push(e.error());
      client.close();
    });
  });
  const end = now();
  const stream = analyser.finish(streamErrors.length > 0);
  const status = res.status;
  check(
    res,
    {
      'status is 200': (r) => r.status === 200,
      'stream ends with [DONE]': () => stream.done,
      'every event is valid JSON': () => stream.events > 0 && stream.invalidJson === 0,
      'content is non-empty': () => stream.contentChunks > 0,
    },
    tags,
  );
  const ok = status === 200 && res.error === '' && streamErrors.length === 0 && stream.ok;
  streamOk.add(ok, tags);
  // A read error after the response started is the transport's (cut, reset, timeout), as for
  // streaming.js; an "unknown event" line is a malformed body.
  const readError = streamErrors.find((e) => !e.startsWith('unknown event'));
  const kind =
    readError !== undefined
      ? /timeout|deadline exceeded/i.test(readError)
        ? 'timeout'
        : 'connection'
      : classifyFailure({ status, error: res.error, errorCode: 0, bodyOk: ok && stream.contentChunks > 0 });
  if (kind !== null) {
    recordFailure(kind, tags);
    return;
  }
  usageMismatch.add(stream.usageMismatch ? 1 : 0, tags);
  // Timing metrics only for complete streams: a failed stream's timings describe the failure.
  const timing = tokenTimings(start, deltas, end, stream.outputTokens);
  if (timing.ttftMs !== null) ttft.add(timing.ttftMs, tags);
  for (const gap of timing.itlMs) itl.add(gap, tags);
  if (timing.tpotMs !== null) tpot.add(timing.tpotMs, tags);
  streamDuration.add(timing.durationMs, tags);
  outputTokens.add(stream.outputTokens, tags);
  if (timing.tokensPerSecond !== null) tokensPerSecond.add(timing.tokensPerSecond, tags);
}

export function handleSummary(data: SummaryData): Record<string, string> {
  return summaryOutputs(data, config, new Date(), 'sse-events');
}
