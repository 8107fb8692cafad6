// The newer API surfaces in-process (app.request): Responses API, tool calls, structured output,
// Anthropic tool_use and count_tokens, request ids, and the 400s that name the bad field.
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { createMockApp } from './app.ts';
import { chatBody, jsonPost, parseSse } from './test-helpers.ts';
import { jsonLength } from './tools.ts';

const json = (res: Response): Promise<any> => res.json();
const fast = { latencyMs: 0, itlMs: 0 };
const ajv = new Ajv2020({ strict: false });

const search = {
  type: 'object',
  properties: { query: { type: 'string', minLength: 3 }, limit: { type: 'integer', minimum: 1, maximum: 50 }, filters: { type: 'array', items: { enum: ['news', 'images'] } } },
  required: ['query', 'limit', 'filters'],
  additionalProperties: false,
};
const chatTools = [
  { type: 'function', function: { name: 'search', parameters: search } },
  { type: 'function', function: { name: 'noop' } },
];

describe('chat tool calls', () => {
  it('a named tool is called, its arguments valid for its schema, deterministically per seed', async () => {
    const ask = async (seed: number) => {
      const app = createMockApp({ ...fast, seed });
      return json(await app.request('/v1/chat/completions', jsonPost(chatBody({ tools: chatTools, tool_choice: { type: 'function', function: { name: 'search' } } }))));
    };
    const a = await ask(5);
    const calls = a.choices[0].message.tool_calls;
    expect(calls).toHaveLength(1);
    expect(calls[0].function.name).toBe('search');
    expect(ajv.validate(search, JSON.parse(calls[0].function.arguments))).toBe(true);
    expect(a.choices[0].finish_reason).toBe('tool_calls');
    expect((await ask(5)).choices[0].message.tool_calls).toEqual(calls);
    expect((await ask(6)).choices[0].message.tool_calls[0].function.arguments).not.toBe(calls[0].function.arguments);
  });

  it('a tool without parameters gets an object; "none" answers text; "auto" calls on a user turn', async () => {
    const app = createMockApp({ ...fast, tokens: 4 });
    const noop = await json(await app.request('/v1/chat/completions', jsonPost(chatBody({ tools: chatTools, tool_choice: { type: 'function', function: { name: 'noop' } } }))));
    expect(typeof JSON.parse(noop.choices[0].message.tool_calls[0].function.arguments)).toBe('object');
    const none = await json(await app.request('/v1/chat/completions', jsonPost(chatBody({ tools: chatTools, tool_choice: 'none' }))));
    expect(none.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant' } });
    expect(none.choices[0].message.content.split(' ')).toHaveLength(4);
    const auto = await json(await app.request('/v1/chat/completions', jsonPost(chatBody({ tools: chatTools }))));
    expect(auto.choices[0].finish_reason).toBe('tool_calls');
  });

  it('streams two parallel calls as OpenAI does: start delta (index, id, type, name, ""), then fragments', async () => {
    // Seed 2 draws two calls (checked below); the wire shape is what matters.
    const app = createMockApp({ ...fast, seed: 2 });
    const events = parseSse(await (await app.request('/v1/chat/completions', jsonPost(chatBody({ tools: chatTools, tool_choice: 'required', stream: true })))).text());
    expect(events.at(-1)!.data).toBe('[DONE]');
    const deltas = events.slice(0, -1).map((e) => JSON.parse(e.data).choices[0]);
    expect(deltas[0].delta).toMatchObject({ role: 'assistant', content: null, tool_calls: [{ index: 0, type: 'function', function: { arguments: '' } }] });
    expect(deltas[0].delta.tool_calls[0].id).toMatch(/^call_/);
    const starts = deltas.filter((d) => d.delta.tool_calls?.[0]?.id !== undefined);
    expect(starts.map((d) => d.delta.tool_calls[0].index)).toEqual([0, 1]);
    const args = ['', ''];
    for (const d of deltas) {
      const call = d.delta.tool_calls?.[0];
      if (call?.id === undefined && call?.function?.arguments !== undefined) {
        expect(Object.keys(call).sort()).toEqual(['function', 'index']);
        args[call.index] += call.function.arguments;
      }
    }
    for (const [i, start] of starts.entries()) {
      const name = start.delta.tool_calls[0].function.name;
      const parsed = JSON.parse(args[i]);
      if (name === 'search') expect(ajv.validate(search, parsed)).toBe(true);
      else expect(parsed).toBeTypeOf('object');
    }
    expect(deltas.at(-1)).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' });
  });

  it('max_tokens cuts the arguments: finish_reason length, completion_tokens == the cap', async () => {
    const app = createMockApp(fast);
    const res = await json(await app.request('/v1/chat/completions', jsonPost(chatBody({ tools: chatTools, tool_choice: { type: 'function', function: { name: 'search' } }, max_tokens: 3 }))));
    expect(res.choices[0].finish_reason).toBe('length');
    expect(res.usage.completion_tokens).toBe(3);
    expect(res.choices[0].message.tool_calls[0].function.arguments).toHaveLength(12);
  });

  it('x-mock-abort cuts a streamed call after N argument fragments', async () => {
    const app = createMockApp({ latencyMs: 0, itlMs: 100 });
    const res = await app.request('/v1/chat/completions', jsonPost(chatBody({ tools: chatTools, tool_choice: { type: 'function', function: { name: 'search' } }, stream: true }), { 'x-mock-abort': '2' }));
    const reader = res.body!.getReader();
    let text = '';
    await expect(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          text += new TextDecoder().decode(value);
        }
      })(),
    ).rejects.toThrow(/abort injection/);
    expect(text).toContain('"tool_calls":[{"index":0,"id":"call_');
    expect(text.split('{"index":0,"function":{"arguments":').length - 1).toBe(2);
  });

  it.each([
    [{ tools: {} }, 'tools', "Invalid value for 'tools': expected an array of tools."],
    [{ tools: [{ type: 'function', function: { name: 'bad name!' } }] }, 'tools[0].function.name', null],
    [{ tools: [{ type: 'function' }] }, 'tools[0].function', "Missing required parameter: 'tools[0].function'."],
    [{ tools: chatTools.concat(chatTools) }, 'tools', "Invalid value for 'tools': the function name 'search' is used twice."],
    [{ tools: chatTools, tool_choice: 'always' }, 'tool_choice', null],
    [{ tools: chatTools, tool_choice: { type: 'function', function: { name: 'other' } } }, 'tool_choice.function.name', "Invalid value for 'tool_choice.function.name': no function named 'other' in tools."],
    [{ tool_choice: 'required' }, 'tool_choice', "Invalid value for 'tool_choice': tool_choice needs tools."],
    [{ response_format: { type: 'yaml' } }, 'response_format.type', null],
    [{ response_format: { type: 'json_schema' } }, 'response_format.json_schema', "Missing required parameter: 'response_format.json_schema'."],
    [{ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { $ref: '#/$defs/none' } } } }, null, "Invalid schema for response_format: $ref \"#/$defs/none\" points nowhere in the schema."],
  ])('400 for %j, naming %s', async (extra, param, message) => {
    const app = createMockApp(fast);
    const res = await app.request('/v1/chat/completions', jsonPost(chatBody(extra)));
    expect(res.status).toBe(400);
    expect(res.headers.get('x-request-id')).toMatch(/^req_[A-Za-z0-9]{24}$/);
    const { error } = await json(res);
    expect(error.param).toBe(param);
    if (message) expect(error.message).toBe(message);
    // A refused request draws no sequence number: the next answer is the one a fresh mock gives
    // (a schema is only found unsatisfiable while generating, after planning).
    if (param === null) return;
    const next = await json(await app.request('/v1/chat/completions', jsonPost(chatBody())));
    const fresh = await json(await createMockApp(fast).request('/v1/chat/completions', jsonPost(chatBody())));
    expect(next.id).toBe(fresh.id);
  });
});

describe('chat structured output', () => {
  it('json_object: a JSON object holding the usual words', async () => {
    const app = createMockApp({ ...fast, tokens: 6 });
    const res = await json(await app.request('/v1/chat/completions', jsonPost(chatBody({ response_format: { type: 'json_object' } }))));
    const content = JSON.parse(res.choices[0].message.content);
    expect(content.answer.split(' ')).toHaveLength(6);
    expect(res.usage.completion_tokens).toBe(Math.ceil(res.choices[0].message.content.length / 4));
  });

  it('json_schema, streamed: the content deltas join into JSON valid for the schema', async () => {
    const app = createMockApp(fast);
    const body = chatBody({ stream: true, stream_options: { include_usage: true }, response_format: { type: 'json_schema', json_schema: { name: 'search', strict: true, schema: search } } });
    const events = parseSse(await (await app.request('/v1/chat/completions', jsonPost(body))).text());
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '', refusal: null });
    const pieces = chunks.slice(1, -2).map((c) => c.choices[0].delta.content);
    expect(ajv.validate(search, JSON.parse(pieces.join('')))).toBe(true);
    expect(chunks.at(-1).usage.completion_tokens).toBe(pieces.length);
    expect(chunks.at(-2).choices[0].finish_reason).toBe('stop');
  });
});

describe('Responses API', () => {
  const post = (app: ReturnType<typeof createMockApp>, body: object, headers: Record<string, string> = {}) =>
    app.request('/v1/responses', jsonPost(JSON.stringify({ model: 'gpt-4.1', ...body }), headers));

  it('is served without /v1 too, with the same latency and override headers as chat', async () => {
    const app = createMockApp(fast);
    const few = await json(await app.request('/responses', jsonPost(JSON.stringify({ model: 'm', input: 'x' }), { 'x-mock-tokens': '3' })));
    expect(few.usage.output_tokens).toBe(3);
    const started = performance.now();
    await json(await post(app, { input: 'x' }, { 'x-mock-latency': '150ms' }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    const err = await post(app, { input: 'x' }, { 'x-mock-error': '429' });
    expect(err.status).toBe(429);
    expect((await json(err)).error).toMatchObject({ code: 'rate_limit_exceeded', type: 'requests' });
    expect(err.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('the same body answered again states its own usage (the echo keeps only the last one built)', async () => {
    const app = createMockApp(fast);
    const usage = async (tokens: string) => (await json(await post(app, { input: 'abcdefgh' }, { 'x-mock-tokens': tokens }))).usage;
    const counts = [];
    for (const tokens of ['3', '3', '5', '3']) counts.push(await usage(tokens));
    expect(counts.map((u) => [u.input_tokens, u.output_tokens, u.total_tokens])).toEqual([[9, 3, 12], [9, 3, 12], [9, 5, 14], [9, 3, 12]]);
  });

  it('prompt tokens count instructions, every input item and the tools', async () => {
    const app = createMockApp(fast);
    const plain = await json(await post(app, { input: 'abcdefgh' }));
    // 3 priming + 4 framing + ceil(8 / 4).
    expect(plain.usage.input_tokens).toBe(9);
    const items = await json(
      await post(app, {
        instructions: 'abcd',
        input: [
          { role: 'user', content: [{ type: 'input_text', text: 'abcdefgh' }] },
          { type: 'function_call', call_id: 'c', name: 'f', arguments: '{"a":1}' },
          { type: 'function_call_output', call_id: 'c', output: 'abcd' },
        ],
      }),
    );
    expect(items.usage.input_tokens).toBe(3 + (4 + 1) + (4 + 2) + (4 + 2) + (4 + 1));
  });

  it('streamed: x-mock-abort cuts after N deltas, before response.completed', async () => {
    const app = createMockApp({ latencyMs: 0, itlMs: 100, tokens: 8 });
    const res = await post(app, { input: 'x', stream: true }, { 'x-mock-abort': '3' });
    const reader = res.body!.getReader();
    let text = '';
    await expect(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          text += new TextDecoder().decode(value);
        }
      })(),
    ).rejects.toThrow(/abort injection/);
    expect(text.split('event: response.output_text.delta').length - 1).toBe(3);
    expect(text).not.toContain('response.completed');
  });

  it('"auto" after a function_call_output answers text; tool_choice for a built-in tool too', async () => {
    const app = createMockApp(fast);
    const tools = [{ type: 'function', name: 'search', parameters: search }, { type: 'web_search' }];
    const after = await json(await post(app, { tools, input: [{ role: 'user', content: 'q' }, { type: 'function_call_output', call_id: 'c', output: '[]' }] }));
    expect(after.output[0].type).toBe('message');
    const builtin = await json(await post(app, { tools, tool_choice: { type: 'web_search' }, input: 'q' }));
    expect(builtin.output[0].type).toBe('message');
    expect(builtin.tools).toEqual(tools);
  });

  it.each([
    [{}, 'input', "Missing required parameter: 'input'."],
    [{ input: 'x', max_output_tokens: 0 }, 'max_output_tokens', null],
    [{ input: 'x', text: { format: { type: 'json_schema', name: 'x' } } }, 'text.format.schema', "Missing required parameter: 'text.format.schema'."],
    [{ input: 'x', tools: [{ type: 'function', name: 'a' }], tool_choice: { type: 'function', name: 'b' } }, 'tool_choice.name', null],
    [{ input: 'x', tools: [{ type: 'web_search' }], tool_choice: 'required' }, 'tool_choice', "Invalid value for 'tool_choice': \"required\" needs at least one function tool."],
  ])('400 for %j, naming %s', async (body, param, message) => {
    const res = await post(createMockApp(fast), body);
    expect(res.status).toBe(400);
    const { error } = await json(res);
    expect(error.param).toBe(param);
    if (message) expect(error.message).toBe(message);
  });
});

describe('Anthropic', () => {
  const body = (extra: object = {}) => JSON.stringify({ model: 'claude-mock', max_tokens: 300, messages: [{ role: 'user', content: 'Hi' }], ...extra });
  const tools = [{ name: 'search', input_schema: search }, { name: 'noop', input_schema: { type: 'object' } }];

  it('disable_parallel_tool_use: one tool_use block; max_tokens cuts with stop_reason max_tokens', async () => {
    const app = createMockApp(fast);
    for (let i = 0; i < 5; i++) {
      const msg = await json(await app.request('/v1/messages', jsonPost(body({ tools, tool_choice: { type: 'any', disable_parallel_tool_use: true } }))));
      expect(msg.content).toHaveLength(1);
      expect(msg.stop_reason).toBe('tool_use');
    }
    const cut = await json(await app.request('/v1/messages', jsonPost(body({ tools, tool_choice: { type: 'tool', name: 'search' }, max_tokens: 2 }))));
    expect(cut).toMatchObject({ stop_reason: 'max_tokens', usage: { output_tokens: 2 } });
  });

  it('streams parallel tool_use blocks one after another, each closed before the next starts', async () => {
    const app = createMockApp({ ...fast, seed: 2 });
    const events = parseSse(await (await app.request('/v1/messages', jsonPost(body({ tools, tool_choice: { type: 'any' }, stream: true })))).text());
    const names = events.map((e) => e.event);
    expect(names.slice(0, 3)).toEqual(['message_start', 'content_block_start', 'ping']);
    expect(names.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    const blockEvents = events.filter((e) => e.event!.startsWith('content_block')).map((e) => JSON.parse(e.data));
    const order = blockEvents.filter((e) => e.type !== 'content_block_delta').map((e) => `${e.type}:${e.index}`);
    expect(order).toEqual(['content_block_start:0', 'content_block_stop:0', 'content_block_start:1', 'content_block_stop:1']);
    expect(JSON.parse(events.at(-2)!.data).delta.stop_reason).toBe('tool_use');
  });

  it('400 for a tool without input_schema (Anthropic error shape, request-id header)', async () => {
    const res = await createMockApp(fast).request('/v1/messages', jsonPost(body({ tools: [{ name: 'x' }] })));
    expect(res.status).toBe(400);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    expect(res.headers.get('x-request-id')).toBeNull();
    expect(await json(res)).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'tools.0.input_schema: Field required' } });
  });

  it('count_tokens: input_tokens only, no latency, 405 for GET, Anthropic 400s', async () => {
    const app = createMockApp({ latencyMs: 5000 });
    const started = performance.now();
    const res = await app.request('/v1/messages/count_tokens', jsonPost(JSON.stringify({ model: 'c', messages: [{ role: 'user', content: 'abcdefgh' }] })));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await json(res)).toEqual({ input_tokens: 3 + 4 + 2 });
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    const get = await app.request('/v1/messages/count_tokens');
    expect(get.status).toBe(405);
    expect(get.headers.get('request-id')).toMatch(/^req_/);
    const bad = await app.request('/v1/messages/count_tokens', jsonPost(JSON.stringify({ model: 'c' })));
    expect(await json(bad)).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: "Missing required parameter: 'messages'." } });
  });
});

describe('request ids', () => {
  it('on models, 404s and 405s, distinct per answer', async () => {
    const app = createMockApp(fast);
    const answers = await Promise.all([app.request('/v1/models'), app.request('/v1/models/gpt-4o'), app.request('/v1/nothing'), app.request('/v1/responses')]);
    const ids = answers.map((r) => r.headers.get('x-request-id'));
    for (const id of ids) expect(id).toMatch(/^req_[A-Za-z0-9]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 404, 405]);
  });
});

describe('jsonLength', () => {
  it.each([[[]], [{}], [[1, 'a', null, true, false, { b: [2.5, -3] }]], [{ a: { b: {} }, c: [[], [{}]], d: 'x y' }], [[{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }]]])(
    'equals JSON.stringify(%j).length',
    (value) => {
      expect(jsonLength(value)).toBe(JSON.stringify(value).length);
    },
  );
});
