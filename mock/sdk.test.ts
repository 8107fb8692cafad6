// The real SDKs, in their default configurations, against the running mock: the OpenAI SDK
// (Responses API, chat tool calls, structured output), Anthropic's (tool_use, count_tokens, request
// ids) and the Vercel AI SDK, whose default OpenAI provider speaks the Responses API.
import { createOpenAI } from '@ai-sdk/openai';
import Anthropic from '@anthropic-ai/sdk';
import { generateObject, generateText, stepCountIs, streamText, tool } from 'ai';
import Ajv2020 from 'ajv/dist/2020.js';
import OpenAI from 'openai';
import { zodResponseFormat, zodTextFormat } from 'openai/helpers/zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startMockServer, type RunningMock } from './server.ts';

const ajv = new Ajv2020({ strict: false });

let mock: RunningMock;
beforeAll(async () => {
  mock = await startMockServer({ port: 0, latencyMs: 2, itlMs: 1, tokens: 12 });
});
afterAll(() => mock?.close());

const openai = () => new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'test-key', maxRetries: 0 });
const anthropic = () => new Anthropic({ baseURL: mock.url, apiKey: 'test-key', maxRetries: 0 });

const weatherParams = {
  type: 'object',
  properties: {
    city: { type: 'string' },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    days: { type: 'integer', minimum: 1, maximum: 7 },
  },
  required: ['city', 'unit', 'days'],
  additionalProperties: false,
} as const;
const timeParams = { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'], additionalProperties: false } as const;
const validWeather = ajv.compile(weatherParams);
const validTime = ajv.compile(timeParams);
const validArgs = (name: string, args: unknown) => (name === 'get_weather' ? validWeather(args) : name === 'get_time' ? validTime(args) : false);

const chatTools: OpenAI.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather forecast', parameters: weatherParams, strict: true } },
  { type: 'function', function: { name: 'get_time', description: 'Local time', parameters: timeParams, strict: true } },
];
const responseTools: OpenAI.Responses.FunctionTool[] = [
  { type: 'function', name: 'get_weather', description: 'Weather forecast', parameters: weatherParams, strict: true },
  { type: 'function', name: 'get_time', description: 'Local time', parameters: timeParams, strict: true },
];

describe('openai SDK: Responses API', () => {
  it('responses.create: output_text, a message item, usage, the request id', async () => {
    const res = await openai().responses.create({ model: 'gpt-4.1', input: 'Say hello', instructions: 'Be brief.' });
    expect(res.object).toBe('response');
    expect(res.id).toMatch(/^resp_[A-Za-z0-9]{24}$/);
    expect(res.status).toBe('completed');
    expect(res.instructions).toBe('Be brief.');
    expect(res.output).toHaveLength(1);
    const item = res.output[0] as OpenAI.Responses.ResponseOutputMessage;
    expect(item).toMatchObject({ type: 'message', role: 'assistant', status: 'completed' });
    expect(item.content[0]).toMatchObject({ type: 'output_text', annotations: [] });
    expect(res.output_text.split(' ')).toHaveLength(12);
    expect(res.usage).toMatchObject({ output_tokens: 12, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } });
    expect(res.usage!.total_tokens).toBe(res.usage!.input_tokens + 12);
    expect(res._request_id).toBe(`req_${res.id.slice('resp_'.length)}`);
  });

  it('input items and max_output_tokens: status incomplete, reason max_output_tokens', async () => {
    const res = await openai().responses.create({
      model: 'gpt-4.1',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'Count to ten' }] }],
      max_output_tokens: 5,
    });
    expect(res.status).toBe('incomplete');
    expect(res.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(res.usage?.output_tokens).toBe(5);
    expect(res.output_text.split(' ')).toHaveLength(5);
  });

  it('responses.stream: the typed events in order, consecutive sequence numbers, deltas == output_tokens', async () => {
    const stream = openai().responses.stream({ model: 'gpt-4.1', input: 'Stream please' });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const final = await stream.finalResponse();
    const types = events.map((e) => e.type);
    expect(types.slice(0, 4)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    expect(types.slice(-4)).toEqual(['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
    const deltas = events.filter((e): e is OpenAI.Responses.ResponseTextDeltaEvent => e.type === 'response.output_text.delta');
    expect(deltas).toHaveLength(12);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(deltas.map((d) => d.delta).join('')).toBe(final.output_text);
    expect(final.usage?.output_tokens).toBe(deltas.length);
    expect(final.status).toBe('completed');
  });

  it('tools with tool_choice "required": function_call items whose arguments fit the schema', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await openai().responses.create({ model: 'gpt-4.1', input: 'Weather in Paris?', tools: responseTools, tool_choice: 'required' });
      const calls = res.output.filter((o): o is OpenAI.Responses.ResponseFunctionToolCall => o.type === 'function_call');
      expect(calls.length).toBe(res.output.length);
      expect(calls.length).toBeGreaterThanOrEqual(1);
      for (const call of calls) {
        expect(call.call_id).toMatch(/^call_/);
        expect(call.id).toMatch(/^fc_/);
        expect(validArgs(call.name, JSON.parse(call.arguments))).toBe(true);
      }
    }
  });

  it('streamed function calls: output_item.added, argument deltas, .done with the whole arguments', async () => {
    const stream = openai().responses.stream({ model: 'gpt-4.1', input: 'Time?', tools: responseTools, tool_choice: { type: 'function', name: 'get_time' } });
    const deltas: string[] = [];
    let done: OpenAI.Responses.ResponseFunctionCallArgumentsDoneEvent | undefined;
    for await (const event of stream) {
      if (event.type === 'response.function_call_arguments.delta') deltas.push(event.delta);
      if (event.type === 'response.function_call_arguments.done') done = event;
    }
    const final = await stream.finalResponse();
    const call = final.output[0] as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call).toMatchObject({ type: 'function_call', name: 'get_time', status: 'completed' });
    expect(deltas.join('')).toBe(call.arguments);
    expect(done?.arguments).toBe(call.arguments);
    expect(validTime(JSON.parse(call.arguments))).toBe(true);
    expect(final.usage?.output_tokens).toBe(deltas.length);
  });

  it('responses.parse with zodTextFormat: output_parsed matches the zod schema', async () => {
    const Recipe = z.object({ title: z.string(), minutes: z.number().int().min(1).max(90), tags: z.array(z.enum(['quick', 'vegan', 'spicy'])) });
    const res = await openai().responses.parse({ model: 'gpt-4.1', input: 'A recipe', text: { format: zodTextFormat(Recipe, 'recipe') } });
    expect(Recipe.parse(res.output_parsed)).toEqual(res.output_parsed);
  });

  it('text.format json_object: the text is a JSON object', async () => {
    const res = await openai().responses.create({ model: 'gpt-4.1', input: 'JSON please', text: { format: { type: 'json_object' } } });
    const parsed = JSON.parse(res.output_text);
    expect(typeof parsed.answer).toBe('string');
    expect(res.text?.format).toEqual({ type: 'json_object' });
  });
});

describe('openai SDK: chat tool calls and structured output', () => {
  it('tool_choice "required", not streamed: tool_calls, finish_reason tool_calls, valid arguments', async () => {
    let parallelSeen = false;
    for (let i = 0; i < 12; i++) {
      const res = await openai().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: `Weather ${i}` }], tools: chatTools, tool_choice: 'required' });
      const choice = res.choices[0];
      expect(choice.finish_reason).toBe('tool_calls');
      expect(choice.message.content).toBeNull();
      const calls = choice.message.tool_calls!;
      if (calls.length > 1) parallelSeen = true;
      for (const call of calls) {
        expect(call.type).toBe('function');
        if (call.type !== 'function') continue;
        expect(call.id).toMatch(/^call_[A-Za-z0-9]{24}$/);
        expect(validArgs(call.function.name, JSON.parse(call.function.arguments))).toBe(true);
      }
      expect(res.usage?.completion_tokens).toBeGreaterThan(0);
    }
    expect(parallelSeen).toBe(true);
  });

  it('parallel_tool_calls false: always one call', async () => {
    for (let i = 0; i < 8; i++) {
      const res = await openai().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], tools: chatTools, tool_choice: 'required', parallel_tool_calls: false });
      expect(res.choices[0].message.tool_calls).toHaveLength(1);
    }
  });

  it('streamed tool calls reassemble in the SDK (chat.completions.stream) into valid calls', async () => {
    const stream = openai().chat.completions.stream({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Weather and time' }],
      tools: chatTools,
      tool_choice: 'required',
      stream_options: { include_usage: true },
    });
    const argumentDone: { name: string; parsed: unknown }[] = [];
    stream.on('tool_calls.function.arguments.done', (e) => argumentDone.push({ name: e.name, parsed: e.parsed_arguments }));
    let fragments = 0;
    stream.on('chunk', (chunk) => {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) if (call.function?.arguments) fragments++;
    });
    const final = await stream.finalChatCompletion();
    const calls = final.choices[0].message.tool_calls ?? [];
    expect(final.choices[0].finish_reason).toBe('tool_calls');
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(argumentDone.map((d) => d.name)).toEqual(calls.map((c) => (c.type === 'function' ? c.function.name : '')));
    for (const call of calls) if (call.type === 'function') expect(validArgs(call.function.name, JSON.parse(call.function.arguments))).toBe(true);
    expect(final.usage?.completion_tokens).toBe(fragments);
  });

  it('"auto" after a tool result answers text', async () => {
    const res = await openai().chat.completions.create({
      model: 'gpt-4o',
      tools: chatTools,
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '21 C' },
      ],
    });
    expect(res.choices[0].finish_reason).toBe('stop');
    expect(res.choices[0].message.content?.split(' ')).toHaveLength(12);
  });

  it('chat.completions.parse with zodResponseFormat: message.parsed matches', async () => {
    const Person = z.object({ name: z.string(), age: z.number().int().min(0).max(120), email: z.email().nullable() });
    const res = await openai().chat.completions.parse({ model: 'gpt-4o', messages: [{ role: 'user', content: 'A person' }], response_format: zodResponseFormat(Person, 'person') });
    expect(Person.parse(res.choices[0].message.parsed)).toEqual(res.choices[0].message.parsed);
  });

  it('an error carries its request id (APIError.requestID)', async () => {
    const err = await openai()
      .responses.create({ model: 'gpt-4.1', input: 'x' }, { headers: { 'x-mock-error': '503' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).requestID).toMatch(/^req_[A-Za-z0-9]{24}$/);
    const bad = await openai()
      .chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], tools: chatTools, tool_choice: { type: 'function', function: { name: 'nope' } } })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as InstanceType<typeof OpenAI.APIError>).requestID).toMatch(/^req_/);
    expect((bad as InstanceType<typeof OpenAI.APIError>).param).toBe('tool_choice.function.name');
  });
});

describe('Anthropic SDK', () => {
  const tools: Anthropic.Tool[] = [{ name: 'get_weather', description: 'Weather forecast', input_schema: weatherParams as unknown as Anthropic.Tool.InputSchema }];

  it('tool_use blocks with stop_reason tool_use; _request_id from the request-id header', async () => {
    const msg = await anthropic().messages.create({ model: 'claude-mock', max_tokens: 512, messages: [{ role: 'user', content: 'Weather?' }], tools, tool_choice: { type: 'any' } });
    expect(msg.stop_reason).toBe('tool_use');
    expect(msg.content.length).toBeGreaterThanOrEqual(1);
    for (const block of msg.content) {
      expect(block.type).toBe('tool_use');
      if (block.type === 'tool_use') {
        expect(block.id).toMatch(/^toolu_[A-Za-z0-9]{24}$/);
        expect(validWeather(block.input)).toBe(true);
      }
    }
    expect(msg._request_id).toMatch(/^req_[A-Za-z0-9]{24}$/);
  });

  it('streamed tool_use: content_block_start + input_json_delta reassemble into the input', async () => {
    const stream = anthropic().messages.stream({ model: 'claude-mock', max_tokens: 512, messages: [{ role: 'user', content: 'Weather?' }], tools, tool_choice: { type: 'tool', name: 'get_weather' } });
    const partials: string[] = [];
    stream.on('inputJson', (partial) => partials.push(partial));
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    const block = final.content[0];
    expect(block.type).toBe('tool_use');
    if (block.type === 'tool_use') expect(validWeather(block.input)).toBe(true);
    expect(partials.length).toBe(final.usage.output_tokens);
  });

  it('"auto" after a tool_result answers text', async () => {
    const msg = await anthropic().messages.create({
      model: 'claude-mock',
      max_tokens: 512,
      tools,
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '21 C' }] },
      ],
    });
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.content[0].type).toBe('text');
  });

  it('messages.countTokens gives the input_tokens a message reports', async () => {
    const body = { model: 'claude-mock', system: 'Be brief.', messages: [{ role: 'user' as const, content: 'How many tokens is this?' }], tools };
    const counted = await anthropic().messages.countTokens(body);
    const msg = await anthropic().messages.create({ ...body, max_tokens: 256, tool_choice: { type: 'none' } });
    expect(counted.input_tokens).toBe(msg.usage.input_tokens);
    expect(counted.input_tokens).toBeGreaterThan(20);
  });

  it('errors carry the request id too', async () => {
    const err = await anthropic()
      .messages.create({ model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] }, { headers: { 'x-mock-error': '429' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect((err as InstanceType<typeof Anthropic.APIError>).requestID).toMatch(/^req_[A-Za-z0-9]{24}$/);
  });
});

describe('Vercel AI SDK (ai + @ai-sdk/openai, default provider: Responses API)', () => {
  const provider = () => createOpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'test-key' });

  it('generateText', async () => {
    const result = await generateText({ model: provider()('gpt-4o'), prompt: 'Hello', maxRetries: 0 });
    expect(result.text.split(' ')).toHaveLength(12);
    expect(result.finishReason).toBe('stop');
    expect(result.usage.outputTokens).toBe(12);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.response.id).toMatch(/^resp_/);
  });

  it('streamText', async () => {
    const result = streamText({ model: provider()('gpt-4o'), prompt: 'Hello', maxRetries: 0 });
    const parts: string[] = [];
    for await (const text of result.textStream) parts.push(text);
    expect(parts).toHaveLength(12);
    expect(parts.join('')).toBe(await result.text);
    expect(await result.finishReason).toBe('stop');
    expect((await result.usage).outputTokens).toBe(12);
  });

  it('generateObject with a zod schema', async () => {
    const schema = z.object({
      name: z.string(),
      rating: z.number().min(1).max(5),
      genres: z.array(z.enum(['drama', 'comedy', 'horror'])).min(1),
      cast: z.array(z.object({ actor: z.string(), role: z.string() })),
    });
    const result = await generateObject({ model: provider()('gpt-4o'), schema, prompt: 'A film', maxRetries: 0 });
    expect(schema.parse(result.object)).toEqual(result.object);
    expect(result.finishReason).toBe('stop');
  });

  it('a tool call, executed, then the answer (two steps)', async () => {
    const executed: unknown[] = [];
    const result = await generateText({
      model: provider()('gpt-4o'),
      prompt: 'Weather in Paris?',
      maxRetries: 0,
      tools: {
        get_weather: tool({
          description: 'Weather forecast',
          inputSchema: z.object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']) }),
          execute: async (input) => {
            executed.push(input);
            return { temperature: 21 };
          },
        }),
      },
      stopWhen: stepCountIs(3),
    });
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0].finishReason).toBe('tool-calls');
    expect(result.steps[0].toolCalls.length).toBe(1);
    expect(executed).toHaveLength(1);
    expect(z.object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']) }).parse(executed[0])).toEqual(executed[0]);
    expect(result.finishReason).toBe('stop');
    expect(result.text.split(' ')).toHaveLength(12);
  });

  it('a streamed tool call over chat completions (provider.chat)', async () => {
    const result = streamText({
      model: provider().chat('gpt-4o'),
      prompt: 'Time?',
      maxRetries: 0,
      tools: { get_time: tool({ inputSchema: z.object({ timezone: z.string() }) }) },
      toolChoice: 'required',
    });
    const calls = await result.toolCalls;
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls[0].toolName).toBe('get_time');
    expect(typeof (calls[0].input as { timezone: unknown }).timezone).toBe('string');
    expect(await result.finishReason).toBe('tool-calls');
  });
});
