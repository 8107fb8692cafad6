// handleSummary's outputs: the k6 summary data plus our `llmux` metadata, as a JSON file, and a
// readable text summary for stdout. Pure code, no k6 imports. Never writes the API key or
// header values.
import { summaryPath, type Config } from './config.ts';
import { effectiveConcurrency } from './options.ts';
import { renderTextSummary } from './summary-text.ts';
import type { LlmuxMeta, SetupData, SummaryData } from './summary-types.ts';

export type { LlmuxMeta, SetupData, SummaryData, SummaryMetric } from './summary-types.ts';

export function llmuxMeta(config: Config, setupData: unknown, endTime: Date, timingSource?: LlmuxMeta['timing_source']): LlmuxMeta {
  const start =
    typeof setupData === 'object' && setupData !== null && typeof (setupData as SetupData).start_time === 'string'
      ? (setupData as SetupData).start_time
      : null;
  return {
    scenario: config.scenario,
    name: config.name,
    target: config.target,
    endpoint: config.endpoint,
    model: config.model,
    requests: config.requests,
    concurrency: effectiveConcurrency(config),
    duration_s: config.durationMs / 1000,
    rate: config.rate,
    max_vus: config.rate === null ? null : effectiveConcurrency(config),
    warmup_s: config.warmupMs / 1000,
    max_tokens: config.maxTokens,
    start_time: start,
    end_time: endTime.toISOString(),
    ...(timingSource ? { timing_source: timingSource } : {}),
  };
}

/** The object handleSummary returns: stdout text and `${OUTPUT}/${NAME}.summary.json`. */
export function summaryOutputs(data: SummaryData, config: Config, endTime: Date, timingSource?: LlmuxMeta['timing_source']): Record<string, string> {
  const out = { ...data, llmux: llmuxMeta(config, data.setup_data, endTime, timingSource) };
  return {
    stdout: renderTextSummary(out, { summaryFile: summaryPath(config) }),
    [summaryPath(config)]: JSON.stringify(out, null, 2),
  };
}
