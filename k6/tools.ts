// Tool calls: chat completions offering two function tools with tool_choice "required". Checks
// that the answer is tool calls (finish_reason "tool_calls") naming an offered function, with
// arguments valid for its parameters. STREAM=true streams the answer and reassembles the calls
// from their argument fragments (TTFT, ITL and tokens as in the streaming scenario).
import type { RefinedResponse } from 'k6/http';
import type { Options } from 'k6/options';
import { parseConfig } from './lib/config.ts';
import { buildOptions } from './lib/options.ts';
import { currentIteration, judgeAnswer, newSetupData, postCompletion, streamMetrics } from './lib/runtime.ts';
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
    const checks = {
      'status is 200': (r: RefinedResponse<'text'>) => r.status === 200,
      'stream ends with [DONE]': () => stream.done,
      'finish_reason is tool_calls': () => stream.finished,
      'tool calls are valid': () => stream.valid,
      'fragments match usage': () => stream.done && (stream.completionTokens === null || stream.completionTokens === stream.fragments),
    };
    return judgeAnswer(res, checks, stream.ok, tags, { metrics: streamed, tokens: stream.fragments, outputTokens: stream.completionTokens });
  }
  const calls = checkToolCalls(body);
  const checks = {
    'status is 200': (r: RefinedResponse<'text'>) => r.status === 200,
    'body is JSON': () => calls.json,
    'finish_reason is tool_calls': () => calls.finished,
    'tool calls are valid': () => calls.valid,
    'usage is present': () => calls.usage,
  };
  judgeAnswer(res, checks, calls.json && calls.finished && calls.valid && calls.usage, tags);
}

export function handleSummary(data: SummaryData): Record<string, string> {
  return summaryOutputs(data, config, new Date());
}
