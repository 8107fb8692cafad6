// Anthropic Messages API wire format (POST /v1/messages), whole and streamed, for gateways that
// route to Anthropic as well as OpenAI.
import { tokenJson, tokensText } from './content.ts';
import type { RequestPlan } from './plan.ts';
import type { StreamProtocol } from './stream.ts';

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
