import { afterEach, describe, expect, it, vi } from 'vitest';
import { chatCompletionBody, modelJsonExtraBytes, nowSeconds } from './openai.ts';
import { resolveOptions } from './options.ts';
import { planRequest } from './plan.ts';
import { responseBody, responseEcho, type ResponsesRequest } from './responses.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('nowSeconds', () => {
  it('reads the clock once a second and follows it across the next second', () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1, 0, 0, 0, 400) });
    const start = Date.UTC(2026, 0, 1) / 1000;
    expect(nowSeconds()).toBe(start);
    vi.advanceTimersByTime(599);
    expect(nowSeconds()).toBe(start);
    vi.advanceTimersByTime(1);
    expect(nowSeconds()).toBe(start + 1);
    vi.advanceTimersByTime(2500);
    expect(nowSeconds()).toBe(start + 3);
  });
});

describe('whole answers stated by their length (the Content-Length the app sends)', () => {
  const opts = resolveOptions({ latencyMs: 0, tokens: 64 });
  const plans = Array.from({ length: 300 }, (_, seq) => planRequest(opts, { seq, promptTokens: 9, maxTokens: 1 + (seq % 64) }));

  it('chat: only the model name can be beyond ASCII', () => {
    for (const model of ['gpt-4o', 'modèle-ü ✓ 🚀']) {
      for (const plan of plans) {
        const body = chatCompletionBody(plan, model, 9);
        expect(Buffer.byteLength(body)).toBe(body.length + modelJsonExtraBytes(model));
      }
    }
  });

  it('responses: only what the echo holds can be beyond ASCII', () => {
    const req = { model: 'gpt-ö', input: 'Hi', instructions: 'Réponds ✓', metadata: { clé: '🚀' }, tools: [{ type: 'function', name: 'f', description: 'é' }] };
    const echo = responseEcho(req as unknown as ResponsesRequest);
    expect(echo.extraBytes).toBeGreaterThan(0);
    for (const plan of plans) {
      const body = responseBody(plan, 9, echo, { output: null, finish: plan.finishReason });
      expect(Buffer.byteLength(body)).toBe(body.length + echo.extraBytes);
    }
  });
});
