// OpenAI Responses API (POST /v1/responses): the request it accepts, the Response object, and
// the typed SSE events in OpenAI's order, each with its sequence_number:
//   response.created, response.in_progress, response.output_item.added,
//   response.content_part.added, response.output_text.delta ..., response.output_text.done,
//   response.content_part.done, response.output_item.done, response.completed (or
//   response.incomplete when max_output_tokens cut the answer).
// Function calls are `function_call` output items whose arguments stream as
// response.function_call_arguments.delta / .done. The preamble events go out with the first
// delta (as chat's role chunk does), so the first byte is the first token.
import { z } from 'zod';
import { answerJson, estimateContentTokens, estimateTextTokens, tokenJson, tokensText } from './content.ts';
import { extraUtf8Bytes, modelJson, nowSeconds } from './openai.ts';
import type { RequestPlan } from './plan.ts';
import type { StreamProtocol } from './stream.ts';
import { pieceIndex, segmentsSent, sentText, type Finish, type ModelOutput } from './tools.ts';

const positiveInt = z.int().min(1);

export const ResponsesRequest = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.looseObject({}))]),
  instructions: z.string().nullish(),
  max_output_tokens: positiveInt.nullish(),
  stream: z.boolean().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  tools: z.array(z.looseObject({ type: z.string() })).nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  text: z.looseObject({}).nullish(),
  store: z.boolean().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  previous_response_id: z.string().nullish(),
});
export type ResponsesRequest = z.infer<typeof ResponsesRequest>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const absent = (v: unknown) => v === undefined || v === null;

/** True when `body` certainly passes ResponsesRequest (the common body skips zod). */
export function isSimpleResponsesRequest(body: Record<string, unknown>): boolean {
  const { model, input } = body;
  if (typeof model !== 'string' || model.length === 0) return false;
  if (typeof input !== 'string') {
    if (!Array.isArray(input)) return false;
    for (const item of input) if (!isObject(item)) return false;
  }
  const max = body.max_output_tokens;
  return (
    (absent(body.stream) || typeof body.stream === 'boolean') &&
    (absent(body.instructions) || typeof body.instructions === 'string') &&
    (absent(max) || (Number.isSafeInteger(max) && (max as number) >= 1)) &&
    (absent(body.temperature) || (typeof body.temperature === 'number' && body.temperature >= 0 && body.temperature <= 2)) &&
    (absent(body.top_p) || (typeof body.top_p === 'number' && body.top_p >= 0 && body.top_p <= 1)) &&
    absent(body.tools) &&
    absent(body.parallel_tool_calls) &&
    absent(body.text) &&
    absent(body.store) &&
    absent(body.metadata) &&
    absent(body.previous_response_id)
  );
}

/** Prompt tokens: instructions and every input item (messages, function calls and their outputs). */
export function estimateResponsesInputTokens(req: ResponsesRequest): number {
  let total = 3;
  if (typeof req.instructions === 'string') total += 4 + estimateTextTokens(req.instructions);
  if (typeof req.input === 'string') return total + 4 + estimateTextTokens(req.input);
  for (const item of req.input) {
    total += 4;
    if ('content' in item) total += estimateContentTokens(item.content);
    else if (typeof item.output === 'string') total += estimateTextTokens(item.output);
    else if (typeof item.arguments === 'string') total += estimateTextTokens(item.arguments);
  }
  return total;
}

/** True when the input ends with a function call's output (so tool_choice "auto" answers text). */
export function endsWithToolResult(req: ResponsesRequest): boolean {
  if (typeof req.input === 'string' || req.input.length === 0) return false;
  const last = req.input[req.input.length - 1];
  return last.type === 'function_call_output' || last.type === 'custom_tool_call_output';
}

/**
 * The request fields a Response echoes, written once per request body (kept with a cached body):
 * the Response JSON around its id, status, output and usage.
 */
export interface ResponseEcho {
  /** From "instructions" to "output": (after the status fields). */
  head: string;
  /** From "parallel_tool_calls" to "usage":. */
  middle: string;
  /** From "user" to the end. */
  tail: string;
  /** UTF-8 bytes of head, middle and tail beyond one per character (they echo the request's text). */
  extraBytes: number;
  /** The last middle + usage + tail built (answers to one body repeat it), and its token counts. */
  lastSuffix: { inputTokens: number; outputTokens: number; text: string } | null;
}

const TEXT_FORMAT = '{"format":{"type":"text"},"verbosity":"medium"}';

const json = (v: unknown, fallback: string): string => (absent(v) ? fallback : JSON.stringify(v));

export function responseEcho(req: ResponsesRequest): ResponseEcho {
  const text = isObject(req.text) ? JSON.stringify({ format: { type: 'text' }, verbosity: 'medium', ...req.text }) : TEXT_FORMAT;
  const echo: ResponseEcho = {
    head:
      `"instructions":${json(req.instructions, 'null')},"max_output_tokens":${json(req.max_output_tokens, 'null')},"max_tool_calls":null,` +
      `"model":${modelJson(req.model)},"output":`,
    middle:
      `,"parallel_tool_calls":${json(req.parallel_tool_calls, 'true')},"previous_response_id":${json(req.previous_response_id, 'null')},"prompt_cache_key":null,` +
      `"reasoning":{"effort":null,"summary":null},"safety_identifier":null,"service_tier":"default","store":${json(req.store, 'true')},` +
      `"temperature":${json(req.temperature, '1.0')},"text":${text},"tool_choice":${json(req.tool_choice, '"auto"')},"tools":${json(req.tools, '[]')},"top_logprobs":0,"top_p":${json(req.top_p, '1.0')},` +
      `"truncation":"disabled","usage":`,
    tail: `,"user":null,"metadata":${json(req.metadata, '{}')}}`,
    extraBytes: 0,
    lastSuffix: null,
  };
  echo.extraBytes = extraUtf8Bytes(echo.head) + extraUtf8Bytes(echo.middle) + extraUtf8Bytes(echo.tail);
  return echo;
}

/** The answer a Response carries: the mock's words, or JSON / function calls (tools.ts). */
export interface ResponseAnswer {
  output: ModelOutput | null;
  finish: Finish;
}

interface Ctx {
  plan: RequestPlan;
  inputTokens: number;
  echo: ResponseEcho;
  answer: ResponseAnswer;
  createdAt: number;
}

const incomplete = (c: Ctx) => c.answer.finish === 'length';

function usageJson(c: Ctx): string {
  const out = c.plan.outputTokens;
  return `{"input_tokens":${c.inputTokens},"input_tokens_details":{"cached_tokens":0},"output_tokens":${out},"output_tokens_details":{"reasoning_tokens":0},"total_tokens":${c.inputTokens + out}}`;
}

/** The echo's middle, the usage and the echo's tail. */
function usageSuffix(c: Ctx): string {
  const e = c.echo;
  const last = e.lastSuffix;
  if (last !== null && last.inputTokens === c.inputTokens && last.outputTokens === c.plan.outputTokens) return last.text;
  const text = e.middle + usageJson(c) + e.tail;
  e.lastSuffix = { inputTokens: c.inputTokens, outputTokens: c.plan.outputTokens, text };
  return text;
}

/** `suffix`: the echo's middle, the usage (or null) and the echo's tail. */
function responseJson(c: Ctx, status: 'in_progress' | 'completed' | 'incomplete', output: string, suffix: string): string {
  const done = status !== 'in_progress';
  return (
    `{"id":"resp_${c.plan.id}","object":"response","created_at":${c.createdAt},"status":"${status}","background":false,` +
    `"completed_at":${status === 'completed' ? nowSeconds() : 'null'},"error":null,` +
    `"incomplete_details":${done && status === 'incomplete' ? '{"reason":"max_output_tokens"}' : 'null'},` +
    c.echo.head + output + suffix
  );
}

const messageId = (plan: RequestPlan) => `msg_${plan.id}`;

function textPart(textJson: string): string {
  return `{"type":"output_text","annotations":[],"logprobs":[],"text":${textJson}}`;
}

function messageItem(c: Ctx, status: string, content: string): string {
  return `{"id":"${messageId(c.plan)}","type":"message","status":"${status}","content":${content},"role":"assistant"}`;
}

function callItem(c: Ctx, k: number, status: string, args: string): string {
  const call = (c.answer.output as Extract<ModelOutput, { kind: 'calls' }>).calls[k];
  return `{"id":"${call.itemId}","type":"function_call","status":"${status}","arguments":${JSON.stringify(args)},"call_id":"${call.id}","name":${JSON.stringify(call.name)}}`;
}

/** JSON literal of the whole message text sent by the plan's tokens. */
function fullTextJson(c: Ctx): string {
  const out = c.answer.output;
  return out === null ? answerJson(c.plan.contentSeed, c.plan.outputTokens) : JSON.stringify(sentText(out, 0, c.plan.outputTokens));
}

function outputItems(c: Ctx): string {
  const out = c.answer.output;
  const itemStatus = incomplete(c) ? 'incomplete' : 'completed';
  if (out?.kind === 'calls') {
    const n = segmentsSent(out, c.plan.outputTokens);
    const items: string[] = [];
    for (let k = 0; k < n; k++) items.push(callItem(c, k, itemStatus, sentText(out, k, c.plan.outputTokens)));
    return `[${items.join(',')}]`;
  }
  return `[${messageItem(c, itemStatus, `[${textPart(fullTextJson(c))}]`)}]`;
}

/**
 * The whole Response. With the mock's own words (no tool calls or JSON output) every piece but the
 * echo is ASCII: its UTF-8 length is its length plus echo.extraBytes.
 */
export function responseBody(plan: RequestPlan, inputTokens: number, echo: ResponseEcho, answer: ResponseAnswer): string {
  const c: Ctx = { plan, inputTokens, echo, answer, createdAt: nowSeconds() };
  return responseJson(c, incomplete(c) ? 'incomplete' : 'completed', outputItems(c), usageSuffix(c));
}

export function responseStream(plan: RequestPlan, inputTokens: number, echo: ResponseEcho, answer: ResponseAnswer): StreamProtocol {
  const c: Ctx = { plan, inputTokens, echo, answer, createdAt: nowSeconds() };
  const out = answer.output;
  // The stream writes the first delta before it asks for the preamble (stream.ts), so the
  // preamble's events are numbered from 0 on their own and the rest start after them.
  const preambleEvents = out?.kind === 'calls' ? 3 : 4;
  let seq = preambleEvents;
  let headSeq = 0;
  const event = (type: string, fields: string, head = false) =>
    `event: ${type}\ndata: {"type":"${type}","sequence_number":${head ? headSeq++ : seq++}${fields}}\n\n`;
  const msg = `"item_id":"${messageId(plan)}","output_index":0,"content_index":0`;
  const index = out ? pieceIndex(out) : null;

  const preamble = () => {
    const inProgress = responseJson(c, 'in_progress', '[]', `${echo.middle}null${echo.tail}`);
    return event('response.created', `,"response":${inProgress}`, true) + event('response.in_progress', `,"response":${inProgress}`, true);
  };
  const callAdded = (k: number, head = false) => event('response.output_item.added', `,"output_index":${k},"item":${callItem(c, k, 'in_progress', '')}`, head);
  const callDone = (k: number) => {
    const args = sentText(out!, k, plan.outputTokens);
    const call = (out as Extract<ModelOutput, { kind: 'calls' }>).calls[k];
    return (
      event('response.function_call_arguments.done', `,"item_id":"${call.itemId}","output_index":${k},"name":${JSON.stringify(call.name)},"arguments":${JSON.stringify(args)}`) +
      event('response.output_item.done', `,"output_index":${k},"item":${callItem(c, k, incomplete(c) ? 'incomplete' : 'completed', args)}`)
    );
  };
  const finalEvent = () => {
    const status = incomplete(c) ? 'incomplete' : 'completed';
    return event(`response.${status}`, `,"response":${responseJson(c, status, outputItems(c), usageSuffix(c))}`);
  };

  if (out?.kind === 'calls') {
    return {
      head: () => preamble() + callAdded(0, true),
      chunk: (from, to) => {
        let data = '';
        for (let t = from; t < to; ) {
          const k = index!.segment[t];
          let end = t + 1;
          while (end < to && index!.segment[end] === k) end++;
          if (k > 0 && index!.firstToken[k] === t) data += callDone(k - 1) + callAdded(k);
          const piece = out.calls[k].args.text.slice(index!.start[t], index!.end[end - 1]);
          data += event('response.function_call_arguments.delta', `,"item_id":"${out.calls[k].itemId}","output_index":${k},"delta":${JSON.stringify(piece)}`);
          t = end;
        }
        return data;
      },
      tail: () => callDone(segmentsSent(out, plan.outputTokens) - 1) + finalEvent(),
    };
  }

  const json = out?.kind === 'json' ? out.json.text : null;
  const piece = (from: number, to: number): string => {
    if (json !== null) return JSON.stringify(json.slice(index!.start[from], index!.end[to - 1]));
    return to - from === 1 ? tokenJson(plan.contentSeed, from) : JSON.stringify(tokensText(plan.contentSeed, from, to));
  };
  return {
    head: () =>
      preamble() +
      event('response.output_item.added', `,"output_index":0,"item":${messageItem(c, 'in_progress', '[]')}`, true) +
      event('response.content_part.added', `,${msg},"part":${textPart('""')}`, true),
    chunk: (from, to) => event('response.output_text.delta', `,${msg},"delta":${piece(from, to)},"logprobs":[]`),
    tail: () => {
      const text = fullTextJson(c);
      const status = incomplete(c) ? 'incomplete' : 'completed';
      return (
        event('response.output_text.done', `,${msg},"text":${text},"logprobs":[]`) +
        event('response.content_part.done', `,${msg},"part":${textPart(text)}`) +
        event('response.output_item.done', `,"output_index":0,"item":${messageItem(c, status, `[${textPart(text)}]`)}`) +
        finalEvent()
      );
    },
  };
}
