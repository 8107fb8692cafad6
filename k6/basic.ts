// Non-streaming chat completions: status 200, a JSON body with non-empty
// choices[0].message.content and usage; failures counted by kind.
import { check } from 'k6';
import type { Options } from 'k6/options';
import { classifyFailure } from './lib/classify.ts';
import { checkCompletion } from './lib/completion.ts';
import { parseConfig } from './lib/config.ts';
import { buildOptions } from './lib/options.ts';
import { chatBody } from './lib/payload.ts';
import { currentIteration, newSetupData, postCompletion, recordFailure, responseFacts } from './lib/runtime.ts';
import { summaryOutputs, type SetupData, type SummaryData } from './lib/summary.ts';

const config = parseConfig(__ENV, 'basic');

export const options: Options = buildOptions(config);

export function setup(): SetupData {
  return newSetupData();
}

export default async function (data: SetupData): Promise<void> {
  const { tags, prompt } = currentIteration(config, data);
  const res = await postCompletion(config, chatBody(config, prompt, false), tags, false);
  const completion = checkCompletion(res.body);
  check(
    res,
    {
      'status is 200': (r) => r.status === 200,
      'body is JSON': () => completion.json,
      'content is non-empty': () => completion.content,
      'usage is present': () => completion.usage,
    },
    tags,
  );
  const kind = classifyFailure(responseFacts(res, completion.json && completion.content && completion.usage));
  if (kind !== null) recordFailure(kind, tags);
}

export function handleSummary(data: SummaryData): Record<string, string> {
  return summaryOutputs(data, config, new Date());
}
