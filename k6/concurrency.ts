// High concurrency: non-streaming completions while VUs ramp through plateaus at 10, 25, 50 and
// 100% of CONCURRENCY (default 1000). Requests are tagged `plateau:<vus>` (or `plateau:ramp`
// between plateaus) so latency and errors can be read per concurrency level. Saturation errors
// are counted by kind and never stop the test.
import { check } from 'k6';
import type { Options } from 'k6/options';
import { classifyFailure } from './lib/classify.ts';
import { checkCompletion } from './lib/completion.ts';
import { parseConfig } from './lib/config.ts';
import { buildOptions, plateauPlan } from './lib/options.ts';
import { chatBody } from './lib/payload.ts';
import { currentIteration, newSetupData, postCompletion, recordFailure, responseFacts } from './lib/runtime.ts';
import { summaryOutputs, type SetupData, type SummaryData } from './lib/summary.ts';

const config = parseConfig(__ENV, 'concurrency');
const plan = plateauPlan(config.concurrency, config.durationMs);

export const options: Options = buildOptions(config);

export function setup(): SetupData {
  return newSetupData();
}

export default async function (data: SetupData): Promise<void> {
  const { tags, prompt } = currentIteration(config, data, plan);
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
