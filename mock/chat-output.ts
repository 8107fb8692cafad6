// Chat completions that carry tool calls or structured (JSON) content, whole and streamed as
// OpenAI streams them: the first chunk of a call has its index, id, type, function name and empty
// arguments; the following chunks carry argument fragments; the finish chunk says "tool_calls".
import { CHAT_USAGE_DETAILS, modelJson, nowSeconds, SYSTEM_FINGERPRINT, usage } from './openai.ts';
import type { RequestPlan } from './plan.ts';
import type { StreamProtocol } from './stream.ts';
import { pieceIndex, segmentsSent, sentText, type Finish, type ModelOutput } from './tools.ts';

/** JSON of the assistant message: the content text, or the tool calls (cut at `tokens`). */
function messageJson(output: ModelOutput, tokens: number): string {
  if (output.kind === 'json') return `{"role":"assistant","content":${JSON.stringify(sentText(output, 0, tokens))},"refusal":null,"annotations":[]}`;
  const n = segmentsSent(output, tokens);
  let calls = '';
  for (let k = 0; k < n; k++) {
    const call = output.calls[k];
    const args = k === n - 1 ? sentText(output, k, tokens) : call.args.text;
    calls += `${k > 0 ? ',' : ''}{"id":"${call.id}","type":"function","function":{"name":${JSON.stringify(call.name)},"arguments":${JSON.stringify(args)}}}`;
  }
  return `{"role":"assistant","content":null,"tool_calls":[${calls}],"refusal":null,"annotations":[]}`;
}

/** The whole answer, written as a template like chatCompletionBody (the tools benchmark's hot path). */
export function chatOutputBody(plan: RequestPlan, model: string, promptTokens: number, output: ModelOutput, finish: Finish): string {
  const completion = plan.outputTokens;
  return (
    `{"id":"chatcmpl-${plan.id}","object":"chat.completion","created":${nowSeconds()},"model":${modelJson(model)},` +
    `"choices":[{"index":0,"message":${messageJson(output, completion)},"logprobs":null,"finish_reason":"${finish}"}],` +
    `"usage":{"prompt_tokens":${promptTokens},"completion_tokens":${completion},"total_tokens":${promptTokens + completion},${CHAT_USAGE_DETAILS}},"service_tier":"default","system_fingerprint":"${SYSTEM_FINGERPRINT}"}`
  );
}

export function chatOutputStream(plan: RequestPlan, model: string, promptTokens: number, includeUsage: boolean, output: ModelOutput, finish: Finish): StreamProtocol {
  const open = `data: {"id":"chatcmpl-${plan.id}","object":"chat.completion.chunk","created":${nowSeconds()},"model":${modelJson(model)},"service_tier":"default","system_fingerprint":"${SYSTEM_FINGERPRINT}","choices":[{"index":0,"delta":`;
  const close = `,"logprobs":null,"finish_reason":null}]${includeUsage ? ',"usage":null' : ''}}\n\n`;
  const chunk = (delta: unknown) => open + JSON.stringify(delta) + close;
  const index = pieceIndex(output);
  const callStart = (k: number) => {
    const call = output.kind === 'calls' ? output.calls[k] : undefined;
    return call ? { index: k, id: call.id, type: 'function', function: { name: call.name, arguments: '' } } : undefined;
  };
  return {
    head: () => {
      const first = callStart(0);
      return chunk(first ? { role: 'assistant', content: null, tool_calls: [first], refusal: null } : { role: 'assistant', content: '', refusal: null });
    },
    chunk: (from, to) => {
      let data = '';
      // One chunk per call the range touches (several tokens per chunk with --tokens-per-chunk).
      for (let t = from; t < to; ) {
        const k = index.segment[t];
        let end = t + 1;
        while (end < to && index.segment[end] === k) end++;
        const segments = output.kind === 'json' ? [output.json] : output.calls.map((c) => c.args);
        const piece = segments[k].text.slice(index.start[t], index.end[end - 1]);
        if (output.kind === 'json') data += chunk({ content: piece });
        else {
          if (k > 0 && index.firstToken[k] === t) data += chunk({ tool_calls: [callStart(k)] });
          data += chunk({ tool_calls: [{ index: k, function: { arguments: piece } }] });
        }
        t = end;
      }
      return data;
    },
    tail: () =>
      `${open}{},"logprobs":null,"finish_reason":"${finish}"}]${includeUsage ? ',"usage":null' : ''}}\n\n` +
      (includeUsage
        ? `data: {"id":"chatcmpl-${plan.id}","object":"chat.completion.chunk","created":${nowSeconds()},"model":${modelJson(model)},"service_tier":"default","system_fingerprint":"${SYSTEM_FINGERPRINT}","choices":[],"usage":${JSON.stringify(usage(promptTokens, plan.outputTokens, true))}}\n\n`
        : '') +
      'data: [DONE]\n\n',
  };
}
