// OpenAI wire formats: whole answers and streamed chunks for chat and legacy completions, embeddings,
// and the model list. Chunks are built by concatenating pre-serialised pieces, not JSON.stringify
// of a whole object per token.
import { answerJson, embeddingBase64, embeddingVector, tokenJson, tokensText } from './content.ts';
import type { RequestPlan } from './plan.ts';
import type { StreamProtocol } from './stream.ts';

export const SYSTEM_FINGERPRINT = 'fp_llmux_mock';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function usage(promptTokens: number, completionTokens: number, chat: boolean): Record<string, unknown> {
  const base: Record<string, unknown> = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
  if (chat) {
    base.prompt_tokens_details = { cached_tokens: 0, audio_tokens: 0 };
    base.completion_tokens_details = { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 };
  }
  return base;
}

// The wall clock in whole seconds, read once a second (as Node keeps its Date header): `created`
// fields need no finer clock, and reading it cost more than building the rest of a short answer.
let currentSecond: number | null = null;
const nextSecond = () => {
  currentSecond = null;
};
export function nowSeconds(): number {
  if (currentSecond === null) {
    const ms = Date.now();
    currentSecond = Math.floor(ms / 1000);
    setTimeout(nextSecond, 1000 - (ms % 1000)).unref();
  }
  return currentSecond;
}

export const CHAT_USAGE_DETAILS =
  '"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},' +
  '"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}';

// Model names repeat; their JSON literal and its non-ASCII bytes are cached (bounded, so odd
// clients cannot grow it forever).
const modelLiterals = new Map<string, { json: string; extraBytes: number }>();
function modelLiteral(model: string): { json: string; extraBytes: number } {
  let literal = modelLiterals.get(model);
  if (literal === undefined) {
    const json = JSON.stringify(model);
    literal = { json, extraBytes: extraUtf8Bytes(json) };
    if (modelLiterals.size < 1000) modelLiterals.set(model, literal);
  }
  return literal;
}

export const modelJson = (model: string): string => modelLiteral(model).json;

/** extraUtf8Bytes(modelJson(model)). */
export const modelJsonExtraBytes = (model: string): number => modelLiteral(model).extraBytes;

/** UTF-8 bytes of `text` beyond one per character (0 for ASCII). */
export function extraUtf8Bytes(text: string): number {
  return Buffer.byteLength(text) - text.length;
}

/**
 * The whole answer, written as a template: this is the hot path of non-streaming benchmarks. Every
 * piece but the model name is ASCII, so its UTF-8 length is its length plus
 * modelJsonExtraBytes(model) (the app sends that as Content-Length rather than measuring).
 */
export function chatCompletionBody(plan: RequestPlan, model: string, promptTokens: number): string {
  const content = answerJson(plan.contentSeed, plan.outputTokens);
  const completion = plan.outputTokens;
  return (
    `{"id":"chatcmpl-${plan.id}","object":"chat.completion","created":${nowSeconds()},"model":${modelJson(model)},` +
    `"choices":[{"index":0,"message":{"role":"assistant","content":${content},"refusal":null,"annotations":[]},` +
    `"logprobs":null,"finish_reason":"${plan.finishReason}"}],` +
    `"usage":{"prompt_tokens":${promptTokens},"completion_tokens":${completion},"total_tokens":${promptTokens + completion},${CHAT_USAGE_DETAILS}},` +
    `"service_tier":"default","system_fingerprint":"${SYSTEM_FINGERPRINT}"}`
  );
}

/** Joins token JSON literals; one token is the common case and needs no re-serialisation. */
function contentJson(plan: RequestPlan, from: number, to: number): string {
  return to - from === 1 ? tokenJson(plan.contentSeed, from) : JSON.stringify(tokensText(plan.contentSeed, from, to));
}

export function chatStream(plan: RequestPlan, model: string, promptTokens: number, includeUsage: boolean): StreamProtocol {
  const created = nowSeconds();
  const open = `data: {"id":"chatcmpl-${plan.id}","object":"chat.completion.chunk","created":${created},"model":${modelJson(model)},"service_tier":"default","system_fingerprint":"${SYSTEM_FINGERPRINT}","choices":[`;
  // With include_usage every chunk carries "usage":null until the final usage chunk, as the API does.
  const close = includeUsage ? '],"usage":null}\n\n' : ']}\n\n';
  const contentOpen = `${open}{"index":0,"delta":{"content":`;
  const contentClose = `},"logprobs":null,"finish_reason":null}${close}`;
  return {
    head: () => `${open}{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}${close}`,
    chunk: (from, to) => contentOpen + contentJson(plan, from, to) + contentClose,
    tail: () =>
      `${open}{"index":0,"delta":{},"logprobs":null,"finish_reason":"${plan.finishReason}"}${close}` +
      (includeUsage ? `${open}],"usage":${JSON.stringify(usage(promptTokens, plan.outputTokens, true))}}\n\n` : '') +
      'data: [DONE]\n\n',
  };
}

export function completionBody(plan: RequestPlan, model: string, promptTokens: number): string {
  return JSON.stringify({
    id: `cmpl-${plan.id}`,
    object: 'text_completion',
    created: nowSeconds(),
    model,
    choices: [{ text: tokensText(plan.contentSeed, 0, plan.outputTokens), index: 0, logprobs: null, finish_reason: plan.finishReason }],
    usage: usage(promptTokens, plan.outputTokens, false),
    system_fingerprint: SYSTEM_FINGERPRINT,
  });
}

export function completionStream(plan: RequestPlan, model: string, promptTokens: number, includeUsage: boolean): StreamProtocol {
  const created = nowSeconds();
  const open = `data: {"id":"cmpl-${plan.id}","object":"text_completion","created":${created},"model":${JSON.stringify(model)},"system_fingerprint":"${SYSTEM_FINGERPRINT}","choices":[`;
  const close = includeUsage ? '],"usage":null}\n\n' : ']}\n\n';
  return {
    head: () => '',
    chunk: (from, to) => `${open}{"text":${contentJson(plan, from, to)},"index":0,"logprobs":null,"finish_reason":null}${close}`,
    tail: () =>
      `${open}{"text":"","index":0,"logprobs":null,"finish_reason":"${plan.finishReason}"}${close}` +
      (includeUsage ? `${open}],"usage":${JSON.stringify(usage(promptTokens, plan.outputTokens, false))}}\n\n` : '') +
      'data: [DONE]\n\n',
  };
}

export function embeddingsBody(
  inputs: unknown[],
  model: string,
  dimensions: number,
  base64: boolean,
  seed: number,
  promptTokens: number,
): string {
  return JSON.stringify({
    object: 'list',
    data: inputs.map((input, index) => {
      const v = embeddingVector(input, dimensions, seed);
      return { object: 'embedding', index, embedding: base64 ? embeddingBase64(v) : Array.from(v) };
    }),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
}

/** A fixed date for `created`, so the model list is byte-identical run to run. */
const MODEL_CREATED = 1_700_000_000;

export function modelObject(id: string): Record<string, unknown> {
  return { id, object: 'model', created: MODEL_CREATED, owned_by: 'llmux-mock' };
}

export function modelsBody(ids: string[]): string {
  return JSON.stringify({ object: 'list', data: ids.map(modelObject) });
}
