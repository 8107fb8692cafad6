// The k6-facing glue every scenario shares: the request, error counters, per-iteration tags and
// prompt, setup data, the non-streaming chat iteration. The only lib module (with the scenario
// files) that imports k6.
import { check, type Checkers } from 'k6';
import exec from 'k6/execution';
import http, { type RefinedResponse } from 'k6/http';
import { Counter, Rate, Trend } from 'k6/metrics';
import { classifyFailure, ERROR_KINDS, type ErrorKind } from './classify.ts';
import { checkCompletion } from './completion.ts';
import { ErrorSampler, sampleBody } from './error-samples.ts';
import type { Config } from './config.ts';
import { PHASE_TAG } from './options.ts';
import { plateauTag, type Plateau } from '../../contract/plateaus.ts';
import { chatBody, newRunId, requestHeaders, uniquePrompt } from './payload.ts';
import { streamTimings } from './stream-timing.ts';
import type { SetupData } from './summary.ts';

// One counter tagged by kind (for per-kind series) and one per kind, so the end-of-test summary
// shows every kind without submetric thresholds.
const llmErrors = new Counter('llm_errors');
const errorsByKind = {} as Record<ErrorKind, Counter>;
for (const kind of ERROR_KINDS) errorsByKind[kind] = new Counter(`llm_errors_${kind}`);

export function recordFailure(kind: ErrorKind, tags: Record<string, string>): void {
  llmErrors.add(1, { ...tags, kind });
  errorsByKind[kind].add(1, tags);
}

// k6's runtime has a console (to its log on stderr); @types/k6 does not declare it.
declare const console: { log(...args: unknown[]): void };

const sampler = new ErrorSampler();

/**
 * Counts a failed request and keeps a sample of it for the runner (measured phase only): its status
 * and body, or the transport error when no response came. The key and header values are redacted.
 */
export function recordFailedResponse(config: Config, kind: ErrorKind, tags: Record<string, string>, res: RefinedResponse<'text'>): void {
  recordFailure(kind, tags);
  if (tags[PHASE_TAG] === 'warmup') return;
  const status = res.status > 0 ? res.status : null;
  const text = status === null ? res.error || `error code ${res.error_code}` : typeof res.body === 'string' ? res.body : '';
  const line = sampler.note(exec.vu.idInTest, kind, status, sampleBody(text, [config.apiKey, ...Object.values(config.headers)]));
  if (line !== null) console.log(line);
}

export function newSetupData(): SetupData {
  const now = Date.now();
  return { start_time: new Date(now).toISOString(), run_id: newRunId(now, Math.random()) };
}

export interface Iteration {
  tags: Record<string, string>;
  prompt: string;
}

/** Tags and the unique prompt of the current iteration. `plan` tags concurrency plateaus. */
export function currentIteration(config: Config, data: SetupData | undefined, plan?: Plateau[]): Iteration {
  const scenario = exec.scenario.name;
  const tags: Record<string, string> = { [PHASE_TAG]: scenario === 'warmup' ? 'warmup' : 'measure' };
  if (plan && scenario !== 'warmup') tags.plateau = plateauTag(plan, Date.now() - exec.scenario.startTime);
  const prompt = uniquePrompt(config.prompt, {
    run: data?.run_id ?? 'run',
    scenario,
    vu: exec.vu.idInTest,
    iteration: exec.vu.iterationInScenario,
  });
  return { tags, prompt };
}

export function postCompletion(
  config: Config,
  body: string,
  tags: Record<string, string>,
  stream: boolean,
): Promise<RefinedResponse<'text'>> {
  return http.asyncRequest('POST', config.url, body, {
    headers: requestHeaders(config, stream),
    tags,
    timeout: `${config.timeoutMs}ms`,
    responseType: 'text',
  });
}

/** Facts classifyFailure needs from a k6 response. */
export function responseFacts(res: RefinedResponse<'text'>, bodyOk: boolean) {
  return { status: res.status, error: res.error, errorCode: res.error_code, bodyOk };
}

/** One non-streaming chat-completion iteration (basic and concurrency): request, checks, failure kind. */
export async function chatIteration(config: Config, data: SetupData, plan?: Plateau[]): Promise<void> {
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
  if (kind !== null) recordFailedResponse(config, kind, tags, res);
}

/** The streaming trends and rates (as the streaming scenario names them), for scenarios that may stream. */
export function streamMetrics() {
  const ttft = new Trend('ttft', true);
  const streamDuration = new Trend('stream_duration', true);
  const outputTokens = new Counter('output_tokens');
  const tokensPerSecond = new Trend('tokens_per_second');
  const itl = new Trend('itl', true);
  const streamOk = new Rate('stream_ok');
  return {
    ok(ok: boolean, tags: Record<string, string>): void {
      streamOk.add(ok, tags);
    },
    /** Timing of a complete stream: TTFT is the first byte, which the first token travels with. */
    record(res: RefinedResponse<'text'>, tokens: number, outputTokenCount: number, tags: Record<string, string>): void {
      const timing = streamTimings(res.timings, tokens, outputTokenCount);
      ttft.add(timing.ttftMs, tags);
      streamDuration.add(timing.durationMs, tags);
      outputTokens.add(outputTokenCount, tags);
      if (timing.tokensPerSecond !== null) tokensPerSecond.add(timing.tokensPerSecond, tags);
      if (timing.itlMs !== null) itl.add(timing.itlMs, tags);
    },
  };
}

export type StreamMetrics = ReturnType<typeof streamMetrics>;

/**
 * The end of an iteration of the tools and responses scenarios: the checks, a failure counted by
 * kind, and for a stream its stream_ok and, when it succeeded, its token timing.
 */
export function judgeAnswer(
  res: RefinedResponse<'text'>,
  checks: Checkers<RefinedResponse<'text'>>,
  bodyOk: boolean,
  tags: Record<string, string>,
  stream?: { metrics: StreamMetrics; tokens: number; outputTokens: number | null },
): void {
  check(res, checks, tags);
  if (stream) stream.metrics.ok(res.status === 200 && res.error_code === 0 && bodyOk, tags);
  const kind = classifyFailure(responseFacts(res, bodyOk));
  if (kind !== null) return recordFailure(kind, tags);
  if (stream) stream.metrics.record(res, stream.tokens, stream.outputTokens ?? stream.tokens, tags);
}
