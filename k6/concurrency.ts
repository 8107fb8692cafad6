// High concurrency: non-streaming completions while VUs ramp through plateaus at 10, 25, 50 and
// 100% of CONCURRENCY (default 1000). Requests are tagged `plateau:<vus>` (or `plateau:ramp`
// between plateaus) so latency and errors can be read per concurrency level. Saturation errors
// are counted by kind and never stop the test.
import type { Options } from 'k6/options';
import { parseConfig } from './lib/config.ts';
import { buildOptions } from './lib/options.ts';
import { plateauPlan } from '../contract/plateaus.ts';
import { chatIteration, newSetupData } from './lib/runtime.ts';
import { summaryOutputs, type SetupData, type SummaryData } from './lib/summary.ts';

const config = parseConfig(__ENV, 'concurrency');
const plan = plateauPlan(config.concurrency, config.durationMs);

export const options: Options = buildOptions(config);

export function setup(): SetupData {
  return newSetupData();
}

export default async function (data: SetupData): Promise<void> {
  await chatIteration(config, data, plan);
}

export function handleSummary(data: SummaryData): Record<string, string> {
  return summaryOutputs(data, config, new Date());
}
