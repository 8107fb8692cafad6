// Anthropic Messages API wire format (POST /v1/messages), whole and streamed, for gateways that
// route to Anthropic as well as OpenAI.
import { tokenJson, tokensText } from './content.ts';
import type { z } from 'zod';
import type { RequestPlan } from './plan.ts';
import { MessagesRequest } from './schemas.ts';
import type { StreamProtocol } from './stream.ts';
import { pieceIndex, segmentsSent, sentText, type Finish, type ModelOutput } from './tools.ts';

const stopReason = (plan: RequestPlan) => (plan.finishReason === 'length' ? 'max_tokens' : 'end_turn');

function usage(inputTokens: number, outputTokens: number): Record<string, unknown> {
  return { input_tokens: inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: outputTokens };
}

export function messageBody(plan: RequestPlan, model: string, inputTokens: number): string {
  return JSON.stringify({
    id: `msg_${plan.id}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: tokensText(plan.contentSeed, 0, plan.outputTokens) }],
    stop_reason: stopReason(plan),
    stop_sequence: null,
    usage: usage(inputTokens, plan.outputTokens),
  });
}

const event = (name: string, data: string) => `event: ${name}\ndata: ${data}\n\n`;

export function messageStream(plan: RequestPlan, model: string, inputTokens: number): StreamProtocol {
  const deltaOpen = 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":';
  return {
    head: () =>
      event(
        'message_start',
        JSON.stringify({
          type: 'message_start',
          message: {
            id: `msg_${plan.id}`,
            type: 'message',
            role: 'assistant',
            model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: usage(inputTokens, 1),
          },
        }),
      ) +
      event('content_block_start', '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}') +
      event('ping', '{"type":"ping"}'),
    chunk: (from, to) =>
      deltaOpen + (to - from === 1 ? tokenJson(plan.contentSeed, from) : JSON.stringify(tokensText(plan.contentSeed, from, to))) + '}}\n\n',
    tail: () =>
      event('content_block_stop', '{"type":"content_block_stop","index":0}') +
      event(
        'message_delta',
        JSON.stringify({ type: 'message_delta', delta: { stop_reason: stopReason(plan), stop_sequence: null }, usage: { output_tokens: plan.outputTokens } }),
      ) +
      event('message_stop', '{"type":"message_stop"}'),
  };
}

// --- tool use ------------------------------------------------------------------------------------

/** A message whose content is tool_use blocks (stop_reason "tool_use", or "max_tokens" when cut). */
export function messageToolBody(plan: RequestPlan, model: string, inputTokens: number, output: ModelOutput, finish: Finish): string {
  const calls = output.kind === 'calls' ? output.calls.slice(0, segmentsSent(output, plan.outputTokens)) : [];
  return JSON.stringify({
    id: `msg_${plan.id}`,
    type: 'message',
    role: 'assistant',
    model,
    content: calls.map((call, k) => ({ type: 'tool_use', id: call.id, name: call.name, input: parsedInput(sentText(output, k, plan.outputTokens)) })),
    stop_reason: toolStopReason(finish),
    stop_sequence: null,
    usage: usage(inputTokens, plan.outputTokens),
  });
}

const toolStopReason = (finish: Finish) => (finish === 'length' ? 'max_tokens' : 'tool_use');

/** A cut answer's input is partial JSON: what was sent parses to nothing better than {}. */
function parsedInput(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

/** tool_use blocks streamed: content_block_start (input {}), input_json_delta fragments, content_block_stop. */
export function messageToolStream(plan: RequestPlan, model: string, inputTokens: number, output: ModelOutput, finish: Finish): StreamProtocol {
  const calls = output.kind === 'calls' ? output.calls : [];
  const index = pieceIndex(output);
  const start = (k: number) =>
    event('content_block_start', JSON.stringify({ type: 'content_block_start', index: k, content_block: { type: 'tool_use', id: calls[k].id, name: calls[k].name, input: {} } }));
  const stop = (k: number) => event('content_block_stop', `{"type":"content_block_stop","index":${k}}`);
  return {
    head: () =>
      event(
        'message_start',
        JSON.stringify({
          type: 'message_start',
          message: { id: `msg_${plan.id}`, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: usage(inputTokens, 1) },
        }),
      ) +
      start(0) +
      event('ping', '{"type":"ping"}'),
    chunk: (from, to) => {
      let data = '';
      for (let t = from; t < to; ) {
        const k = index.segment[t];
        let end = t + 1;
        while (end < to && index.segment[end] === k) end++;
        if (k > 0 && index.firstToken[k] === t) data += stop(k - 1) + start(k);
        const partial = calls[k].args.text.slice(index.start[t], index.end[end - 1]);
        data += event('content_block_delta', JSON.stringify({ type: 'content_block_delta', index: k, delta: { type: 'input_json_delta', partial_json: partial } }));
        t = end;
      }
      return data;
    },
    tail: () =>
      stop(segmentsSent(output, plan.outputTokens) - 1) +
      event(
        'message_delta',
        JSON.stringify({ type: 'message_delta', delta: { stop_reason: toolStopReason(finish), stop_sequence: null }, usage: { output_tokens: plan.outputTokens } }),
      ) +
      event('message_stop', '{"type":"message_stop"}'),
  };
}

// --- count_tokens --------------------------------------------------------------------------------

/** POST /v1/messages/count_tokens: a Messages body without max_tokens. */
export const CountTokensRequest = MessagesRequest.omit({ max_tokens: true, stream: true });
export type CountTokensRequest = z.infer<typeof CountTokensRequest>;
