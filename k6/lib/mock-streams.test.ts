// The SSE parser and stream analysis against streams produced by our mock (in process, no port),
// split at random places: the same events and the same verdict however the bytes arrive.
import { describe, expect, it } from 'vitest';
import { createMockApp } from '../../mock/index.ts';
import { analyseStream, checkCompletion } from './completion.ts';
import { parseSse, SseParser } from './sse.ts';

async function completion(options: Parameters<typeof createMockApp>[0], stream: boolean, headers: Record<string, string> = {}) {
  const app = createMockApp({ latencyMs: 0, itlMs: 0, ...options });
  const body: Record<string, unknown> = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Say something' }] };
  if (stream) Object.assign(body, { stream: true, stream_options: { include_usage: true } });
  const res = await app.request('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer test', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

function splitEverywhere(text: string, seed: number): string[] {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const pieces: string[] = [];
  let at = 0;
  while (at < text.length) {
    const size = 1 + Math.floor(next() * 24);
    pieces.push(text.slice(at, at + size));
    at += size;
  }
  return pieces;
}

describe('mock streams', () => {
  it.each([
    [1, 1],
    [2, 7],
    [3, 40],
    [4, 200],
  ])('seed %i, %i tokens: ok, one content chunk per token, any split', async (seed, tokens) => {
    const { status, text } = await completion({ seed, tokens }, true);
    expect(status).toBe(200);
    const report = analyseStream(text);
    expect(report).toMatchObject({ ok: true, done: true, contentChunks: tokens, usageTokens: tokens, outputTokens: tokens });
    const whole = parseSse(text).events;
    for (let round = 0; round < 20; round++) {
      const parser = new SseParser();
      const events = splitEverywhere(text, seed * 100 + round).flatMap((piece) => parser.feed(piece));
      expect(events).toEqual(whole);
    }
    // The same stream with CRLF line ends, as some proxies rewrite them.
    expect(analyseStream(text.replace(/\n/g, '\r\n'))).toMatchObject({ ok: true, contentChunks: tokens });
  });

  it('several tokens per chunk: chunks no longer match usage, reported apart; the stream is whole', async () => {
    const { text } = await completion({ tokens: 9, tokensPerChunk: 3 }, true);
    expect(analyseStream(text)).toMatchObject({ ok: true, usageMismatch: true, done: true, contentChunks: 3, usageTokens: 9, outputTokens: 9 });
  });

  it('an injected error status has no stream to analyse', async () => {
    const { status } = await completion({}, true, { 'x-mock-error': '503' });
    expect(status).toBe(503);
  });

  it('non-streaming answers pass the basic checks', async () => {
    const { status, text } = await completion({ tokens: 12 }, false);
    expect(status).toBe(200);
    expect(checkCompletion(text)).toEqual({ json: true, content: true, usage: true, completionTokens: 12 });
  });
});
