import { describe, expect, it } from 'vitest';
import { createMockApp } from '../../mock/app.ts';
import { analyseToolStream, BENCH_TOOLS, checkToolCalls, toolsBody, validArguments } from './tool-calls.ts';

const post = (app: ReturnType<typeof createMockApp>, body: string) =>
  app.request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('validArguments', () => {
  it.each([
    ['get_weather', '{"city":"Paris","unit":"celsius","days":3}', true],
    ['get_weather', '{"city":"Paris","unit":"kelvin","days":3}', false],
    ['get_weather', '{"city":"Paris","unit":"celsius","days":3.5}', false],
    ['get_weather', '{"city":"Paris","unit":"celsius","days":9}', false],
    ['get_weather', '{"city":"Paris","unit":"celsius"}', false],
    ['get_weather', '{"city":"Paris","unit":"celsius","days":3,"extra":1}', false],
    ['get_weather', '{"city":"Paris",', false],
    ['get_weather', '[]', false],
    ['search_docs', '{"query":"q","limit":5,"sections":["api","guides"],"exact":false}', true],
    ['search_docs', '{"query":"q","limit":5,"sections":["blog"],"exact":false}', false],
    ['unknown', '{}', false],
  ])('%s %s → %s', (name, args, ok) => {
    expect(validArguments(name, args)).toBe(ok);
  });
});

describe('against the mock', () => {
  const config = { model: 'gpt-4o', maxTokens: null };

  it('whole answers pass for 30 seeds', async () => {
    for (let seed = 0; seed < 30; seed++) {
      const app = createMockApp({ latencyMs: 0, seed });
      const check = checkToolCalls(await (await post(app, toolsBody(config, 'q', false))).text());
      expect(check).toMatchObject({ json: true, finished: true, valid: true, usage: true });
      expect(check.calls).toBeGreaterThanOrEqual(1);
    }
  });

  it('streams reassemble into valid calls; fragments == usage', async () => {
    for (let seed = 0; seed < 10; seed++) {
      const app = createMockApp({ latencyMs: 0, itlMs: 0, seed });
      const report = analyseToolStream(await (await post(app, toolsBody(config, 'q', true))).text());
      expect(report).toMatchObject({ done: true, json: true, finished: true, valid: true, ok: true });
      expect(report.completionTokens).toBe(report.fragments);
    }
  });

  it('a stream cut short is not ok; a text answer is not tool calls', async () => {
    const app = createMockApp({ latencyMs: 0, itlMs: 0 });
    const text = await (await post(app, toolsBody(config, 'q', true))).text();
    const cut = text.slice(0, text.indexOf('"finish_reason":"tool_calls"'));
    expect(analyseToolStream(cut)).toMatchObject({ done: false, finished: false, ok: false });
    const plain = await (await post(app, JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }))).text();
    expect(checkToolCalls(plain)).toMatchObject({ json: true, finished: false, calls: 0, valid: false });
  });

  it('offers both tools with strict schemas and tool_choice "required"', () => {
    const body = JSON.parse(toolsBody({ model: 'm', maxTokens: 50 }, 'p', true));
    expect(body).toMatchObject({ tool_choice: 'required', max_tokens: 50, stream: true, stream_options: { include_usage: true } });
    expect(body.tools.map((t: { function: { name: string; strict: boolean } }) => [t.function.name, t.function.strict])).toEqual(BENCH_TOOLS.map((t) => [t.name, true]));
  });
});
