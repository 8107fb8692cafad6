// OpenAI Responses API (POST /v1/responses). Streamed by default (STREAM=false for whole
// answers): checks the typed events (response.created first, sequence numbers in order, text
// deltas that add up to the final response's text, response.completed last). TTFT is the time to
// the first byte: stock k6 buffers the body, and the mock sends the preamble events together with
// the first response.output_text.delta, so that byte is the first token.
import type { RefinedResponse } from 'k6/http';
import type { Options } from 'k6/options';
import { parseConfig } from './lib/config.ts';
import { buildOptions } from './lib/options.ts';
import { analyseResponsesStream, checkResponse, responsesBody } from './lib/responses-check.ts';
import { currentIteration, judgeAnswer, newSetupData, postCompletion, streamMetrics } from './lib/runtime.ts';
import { summaryOutputs, type SetupData, type SummaryData } from './lib/summary.ts';

const config = parseConfig(__ENV, 'responses');

export const options: Options = buildOptions(config);

const streamed = config.stream ? streamMetrics() : null;

export function setup(): SetupData {
  return newSetupData();
}

export default async function (data: SetupData): Promise<void> {
  const { tags, prompt } = currentIteration(config, data);
  const res = await postCompletion(config, responsesBody(config, prompt, config.stream), tags, config.stream);
  const body = res.status === 200 ? res.body : null;
  if (streamed) {
    const stream = analyseResponsesStream(body);
    const checks = {
      'status is 200': (r: RefinedResponse<'text'>) => r.status === 200,
      'stream starts with response.created': () => stream.created,
      'stream ends with response.completed': () => stream.finished && !stream.truncated,
      'events in sequence': () => stream.json && stream.sequenceOk && !stream.errorEvent,
      'deltas add up to the text': () => stream.deltas > 0 && stream.textMatches,
      'deltas match usage': () => stream.finished && (stream.outputTokens === null || stream.outputTokens === stream.deltas),
    };
    return judgeAnswer(res, checks, stream.ok, tags, { metrics: streamed, tokens: stream.deltas, outputTokens: stream.outputTokens });
  }
  const response = checkResponse(body);
  const checks = {
    'status is 200': (r: RefinedResponse<'text'>) => r.status === 200,
    'body is a response': () => response.json,
    'status is completed': () => response.finished,
    'output text is non-empty': () => response.text,
    'usage is present': () => response.usage,
  };
  judgeAnswer(res, checks, response.json && response.finished && response.text && response.usage, tags);
}

export function handleSummary(data: SummaryData): Record<string, string> {
  return summaryOutputs(data, config, new Date());
}
