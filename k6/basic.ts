// Non-streaming chat completions: status 200, a JSON body with non-empty
// choices[0].message.content and usage; failures counted by kind.
import type { Options } from 'k6/options';
import { parseConfig } from './lib/config.ts';
import { buildOptions } from './lib/options.ts';
import { chatIteration, newSetupData } from './lib/runtime.ts';
import { summaryOutputs, type SetupData, type SummaryData } from './lib/summary.ts';

const config = parseConfig(__ENV, 'basic');

export const options: Options = buildOptions(config);

export function setup(): SetupData {
  return newSetupData();
}

export default async function (data: SetupData): Promise<void> {
  await chatIteration(config, data);
}

export function handleSummary(data: SummaryData): Record<string, string> {
  return summaryOutputs(data, config, new Date());
}
