// Tool calls: chat completions offering two function tools with tool_choice "required". Checks
// that the answer is tool calls (finish_reason "tool_calls") naming an offered function, with
// arguments valid for its parameters. STREAM=true streams the answer and reassembles the calls
// from their argument fragments (TTFT, ITL and tokens as in the streaming scenario).
import { check } from 'k6';
import type { Options } from 'k6/options';
import { classifyFailure } from './lib/classify.ts';
import { parseConfig } from './lib/config.ts';
import { buildOptions } from './lib/options.ts';
import { currentIteration, newSetupData, postCompletion, recordFailure, responseFacts, streamMetrics } from './lib/runtime.ts';
import { analyseToolStream, checkToolCalls, toolsBody } from './lib/tool-calls.ts';
import { summaryOutputs, type SetupData, type SummaryData } from './lib/summary.ts';

const config = parseConfig(__ENV, 'tools');

export const options: Options = buildOptions(config);

const streamed = config.stream ? streamMetrics() : null;

export function setup(): SetupData {
  return newSetupData();
}

export default async function (data: SetupData): Promise<void> {
  const { tags, prompt } = currentIteration(config, data);
  const res = await postCompletion(config, toolsBody(config, prompt, config.stream), tags, config.stream);
  const body = res.status === 200 ? res.body : null;
  if (streamed) {
    const stream = analyseToolStream(body);
    check(
      res,
      {
        'status is 200': (r) => r.status === 200,
        'stream ends with [DONE]': () => stream.done,
        'finish_reason is tool_calls': () => stream.finished,
        'tool calls are valid': () => stream.valid,
        'fragments match usage': () => stream.done && (stream.completionTokens === null || stream.completionTokens === stream.fragments),
      },
      tags,
    );
    streamed.ok(res.status === 200 && res.error_code === 0 && stream.ok, tags);
    const kind = classifyFailure(responseFacts(res, stream.ok));
    if (kind !== null) return recordFailure(kind, tags);
    streamed.record(res, stream.fragments, stream.completionTokens ?? stream.fragments, tags);
    return;
  }
  const calls = checkToolCalls(body);
  check(
    res,
    {
      'status is 200': (r) => r.status === 200,
      'body is JSON': () => calls.json,
      'finish_reason is tool_calls': () => calls.finished,
      'tool calls are valid': () => calls.valid,
      'usage is present': () => calls.usage,
    },
    tags,
  );
  const kind = classifyFailure(responseFacts(res, calls.json && calls.finished && calls.valid && calls.usage));
  if (kind !== null) recordFailure(kind, tags);
}

export function handleSummary(data: SummaryData): Record<string, string> {
  return summaryOutputs(data, config, new Date());
}
