import { describe, expect, it } from 'vitest';
import { createMockApp } from '../../mock/app.ts';
import { analyseResponsesStream, checkResponse, responsesBody } from './responses-check.ts';

const post = (app: ReturnType<typeof createMockApp>, body: string, headers: Record<string, string> = {}) =>
  app.request('/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
const config = { model: 'gpt-4.1', maxTokens: null };

describe('Responses API checks', () => {
  it('a whole response from the mock passes; an incomplete one is finished too', async () => {
    const app = createMockApp({ latencyMs: 0, tokens: 6 });
    expect(checkResponse(await (await post(app, responsesBody(config, 'p', false))).text())).toEqual({ json: true, finished: true, text: true, usage: true, outputTokens: 6 });
    const cut = checkResponse(await (await post(app, responsesBody({ ...config, maxTokens: 2 }, 'p', false))).text());
    expect(cut).toMatchObject({ finished: true, outputTokens: 2 });
    expect(checkResponse('{"choices":[]}')).toMatchObject({ json: false });
  });

  it('a streamed response from the mock is ok: created first, sequence in order, deltas == text == usage', async () => {
    const app = createMockApp({ latencyMs: 0, itlMs: 0, tokens: 7 });
    const report = analyseResponsesStream(await (await post(app, responsesBody(config, 'p', true))).text());
    expect(report).toMatchObject({ ok: true, created: true, finished: true, sequenceOk: true, deltas: 7, outputTokens: 7, textMatches: true, events: 4 + 7 + 4 });
  });

  it('catches a gap in sequence numbers, a missing final event, a failed response, a chat stream', async () => {
    const app = createMockApp({ latencyMs: 0, itlMs: 0, tokens: 4 });
    const text = await (await post(app, responsesBody(config, 'p', true))).text();
    const blocks = text.split('\n\n').filter(Boolean);
    const gap = [...blocks.slice(0, 5), ...blocks.slice(6)].join('\n\n') + '\n\n';
    expect(analyseResponsesStream(gap)).toMatchObject({ sequenceOk: false, textMatches: false, ok: false });
    const unfinished = blocks.slice(0, -1).join('\n\n') + '\n\n';
    expect(analyseResponsesStream(unfinished)).toMatchObject({ finished: false, ok: false });
    const failed = text + 'event: response.failed\ndata: {"type":"response.failed","sequence_number":12,"response":{}}\n\n';
    expect(analyseResponsesStream(failed)).toMatchObject({ errorEvent: true, ok: false });
    const chat = 'data: {"choices":[{"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\n';
    expect(analyseResponsesStream(chat)).toMatchObject({ ok: false, deltas: 0 });
  });

  it('the request: input items, max_output_tokens, stream', () => {
    expect(JSON.parse(responsesBody({ model: 'm', maxTokens: 9 }, 'hello', true))).toEqual({
      model: 'm',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'hello' }] }],
      max_output_tokens: 9,
      stream: true,
    });
  });
});
