// Request bodies and headers. Every prompt is unique (run, scenario, VU, iteration) so no
// cache in a proxy can answer it.
import type { Config } from './config.ts';

export interface RequestIds {
  /** Unique per test run (from setup()), so a cache cannot carry over between runs either. */
  run: string;
  /** Scenario name: VU ids and iteration numbers restart per scenario (warm-up, measured). */
  scenario: string;
  vu: number;
  iteration: number;
}

export function uniquePrompt(base: string, ids: RequestIds): string {
  return `${base} [request ${ids.run}-${ids.scenario}-${ids.vu}-${ids.iteration}]`;
}

export function chatBody(config: Pick<Config, 'model' | 'maxTokens'>, prompt: string, stream: boolean): string {
  const body: Record<string, unknown> = {
    model: config.model,
    messages: [{ role: 'user', content: prompt }],
  };
  if (config.maxTokens !== null) body.max_tokens = config.maxTokens;
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return JSON.stringify(body);
}

export function requestHeaders(config: Pick<Config, 'apiKey' | 'headers'>, stream: boolean): Record<string, string> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...config.headers };
  const has = (name: string) => Object.keys(headers).some((key) => key.toLowerCase() === name);
  if (stream && !has('accept')) headers.Accept = 'text/event-stream';
  // An Authorization header given in HEADERS (another scheme, say) replaces the Bearer key.
  if (config.apiKey !== '' && !has('authorization')) headers.Authorization = `Bearer ${config.apiKey}`;
  return headers;
}

/** A short run id: base36 milliseconds of the start time plus a random suffix. */
export function newRunId(nowMs: number, random: number): string {
  return `${Math.floor(nowMs).toString(36)}${Math.floor(random * 36 ** 4).toString(36).padStart(4, '0')}`;
}
