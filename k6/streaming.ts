// Streaming chat completions (`stream: true`, usage in the last chunk). A stream succeeds when it
// is whole (ends with [DONE], every event valid JSON, content present); whether its usage agrees
// with its content is counted apart (usage_mismatch). k6 buffers the body, so
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
import { currentIteration, newSetupData, postCompletion, recordFailedResponse, responseFacts } from './lib/runtime.ts';
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
// Streams whose usage chunk disagreed with their content chunks: usage accuracy, apart from
// integrity, so a gateway that rewrites usage never fails its streams.
const usageMismatch = new Counter('usage_mismatch');

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
    },
    tags,
  );
  const ok = res.status === 200 && res.error_code === 0 && stream.ok;
  streamOk.add(ok, tags);
  const kind = classifyFailure(responseFacts(res, stream.ok));
  if (kind !== null) {
    recordFailedResponse(config, kind, tags, res);
    return;
  }
  // A 0 too, so the summary shows the counter (measured) even when no stream disagreed.
  usageMismatch.add(stream.usageMismatch ? 1 : 0, tags);
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
