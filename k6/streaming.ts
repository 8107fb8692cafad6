// Streaming chat completions (`stream: true`, usage in the last chunk). k6 buffers the body, so
// the SSE stream is parsed once it has arrived; TTFT is k6's time to first byte
// (timings.waiting) and ITL the receiving time spread over the content chunks.
import { check } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { classifyFailure } from './lib/classify.ts';
import { analyseStream } from './lib/completion.ts';
import { parseConfig } from './lib/config.ts';
import { buildOptions } from './lib/options.ts';
import { chatBody } from './lib/payload.ts';
import { currentIteration, newSetupData, postCompletion, recordFailure, responseFacts } from './lib/runtime.ts';
import { streamTimings } from './lib/stream-timing.ts';
import { summaryOutputs, type SetupData, type SummaryData } from './lib/summary.ts';

const config = parseConfig(__ENV, 'streaming');

export const options: Options = buildOptions(config);

const ttft = new Trend('ttft', true);
const streamDuration = new Trend('stream_duration', true);
const outputTokens = new Counter('output_tokens');
const tokensPerSecond = new Trend('tokens_per_second');
const itl = new Trend('itl', true);
const streamOk = new Rate('stream_ok');

export function setup(): SetupData {
  return newSetupData();
}

export default async function (data: SetupData): Promise<void> {
  const { tags, prompt } = currentIteration(config, data);
  const res = await postCompletion(config, chatBody(config, prompt, true), tags, true);
  const stream = analyseStream(res.status === 200 ? res.body : null);
  check(
    res,
    {
      'status is 200': (r) => r.status === 200,
      'stream ends with [DONE]': () => stream.done,
      'every event is valid JSON': () => stream.events > 0 && stream.invalidJson === 0,
      'content is non-empty': () => stream.contentChunks > 0,
      'chunks match usage': () => stream.done && (stream.usageTokens === null || stream.usageTokens === stream.contentChunks),
    },
    tags,
  );
  const ok = res.status === 200 && res.error_code === 0 && stream.ok;
  streamOk.add(ok, tags);
  const kind = classifyFailure(responseFacts(res, stream.ok && stream.contentChunks > 0));
  if (kind !== null) {
    recordFailure(kind, tags);
    return;
  }
  // Timing metrics only for complete streams: a failed request's timings describe the failure.
  const timing = streamTimings(res.timings, stream.contentChunks, stream.outputTokens);
  ttft.add(timing.ttftMs, tags);
  streamDuration.add(timing.durationMs, tags);
  outputTokens.add(stream.outputTokens, tags);
  if (timing.tokensPerSecond !== null) tokensPerSecond.add(timing.tokensPerSecond, tags);
  if (timing.itlMs !== null) itl.add(timing.itlMs, tags);
}

export function handleSummary(data: SummaryData): Record<string, string> {
  return summaryOutputs(data, config, new Date(), 'k6-buffered');
}
