import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyseStream, checkCompletion } from './completion.ts';

const RECORDED = readFileSync(new URL('./testdata/openai-stream.txt', import.meta.url), 'utf8');
const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;
const usage = (completion: number) => `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: completion } })}\n\n`;
const DONE = 'data: [DONE]\n\n';

describe('checkCompletion', () => {
  it('accepts a chat completion', () => {
    const body = JSON.stringify({
      id: 'x',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
    expect(checkCompletion(body)).toEqual({ json: true, content: true, usage: true, completionTokens: 2 });
  });

  it.each([
    ['not JSON', '<html>bad gateway</html>', { json: false, content: false, usage: false }],
    ['empty', '', { json: false, content: false, usage: false }],
    ['null body', null, { json: false, content: false, usage: false }],
    ['JSON array', '[1]', { json: false, content: false, usage: false }],
    ['no choices', '{"usage":{}}', { json: true, content: false, usage: true }],
    ['empty content', '{"choices":[{"message":{"content":""}}],"usage":{}}', { json: true, content: false, usage: true }],
    ['null content', '{"choices":[{"message":{"content":null}}],"usage":{}}', { json: true, content: false, usage: true }],
    ['no usage', '{"choices":[{"message":{"content":"x"}}]}', { json: true, content: true, usage: false }],
    ['usage null', '{"choices":[{"message":{"content":"x"}}],"usage":null}', { json: true, content: true, usage: false }],
  ])('%s', (_, body, expected) => {
    expect(checkCompletion(body)).toMatchObject(expected);
  });
});

describe('analyseStream', () => {
  it('reads a recorded OpenAI stream', () => {
    expect(analyseStream(RECORDED)).toEqual({
      events: 10,
      done: true,
      afterDone: 0,
      invalidJson: 0,
      errorEvent: false,
      contentChunks: 6,
      usageTokens: 6,
      truncated: false,
      outputTokens: 6,
      usageMismatch: false,
      ok: true,
    });
  });

  it('without usage counts content chunks as tokens', () => {
    const report = analyseStream(chunk('a') + chunk('b') + DONE);
    expect(report).toMatchObject({ ok: true, contentChunks: 2, usageTokens: null, outputTokens: 2 });
  });

  it.each([
    ['no [DONE]', chunk('a') + usage(1), { done: false }],
    ['cut inside [DONE]', `${chunk('a')}data: [DO`, { done: false, truncated: true }],
    ['invalid JSON', `${chunk('a')}data: {"choices":\n\n${DONE}`, { invalidJson: 1 }],
    ['non-object JSON', `data: 42\n\n${DONE}`, { invalidJson: 1 }],
    ['error event', `event: error\ndata: {"message":"x"}\n\n${DONE}`, { errorEvent: true }],
    ['error member', `data: {"error":{"message":"overloaded"}}\n\n${DONE}`, { errorEvent: true }],
    ['events after [DONE]', DONE + chunk('late'), { afterDone: 1 }],
    ['no content', usage(0) + DONE, { contentChunks: 0 }],
  ])('%s → not ok', (_, body, expected) => {
    const report = analyseStream(body);
    expect(report).toMatchObject(expected);
    expect(report.ok).toBe(false);
  });

  it.each([
    ['more tokens than chunks', chunk('a') + chunk('b') + usage(5) + DONE, { usageTokens: 5, outputTokens: 5 }],
    // A gateway appending its own usage chunk of zeros after the upstream's: the last one counts,
    // so usage disagrees, but the stream is whole and its tokens are the content chunks.
    ['a final usage chunk of zeros', chunk('a') + chunk('b') + usage(2) + usage(0) + DONE, { usageTokens: 0, outputTokens: 2 }],
  ])('%s → ok, usage mismatch reported apart', (_, body, expected) => {
    expect(analyseStream(body)).toMatchObject({ ...expected, ok: true, contentChunks: 2, usageMismatch: true });
  });

  it('null body (failed request) is not ok', () => {
    expect(analyseStream(null)).toMatchObject({ ok: false, events: 0, outputTokens: 0 });
  });
});
