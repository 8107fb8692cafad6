// The tools scenario's request (chat completions with two function tools and tool_choice
// "required") and what makes its answer valid: tool calls naming an offered function whose
// arguments are a JSON object that fits that function's parameters. The schemas are ours, so a
// small checker for the keywords they use does the job without a validation library in the
// bundle. Pure code, no k6 imports.
import type { Config } from './config.ts';
import { parseSse } from './sse.ts';

interface PropertySchema {
  type: 'string' | 'integer' | 'number' | 'boolean' | 'array';
  enum?: readonly string[];
  minimum?: number;
  maximum?: number;
  items?: PropertySchema;
}

interface ParametersSchema {
  type: 'object';
  properties: Record<string, PropertySchema>;
  required: readonly string[];
  additionalProperties: false;
}

/** What a gateway translating tool calls typically carries: enums, integers, an array, strict mode. */
export const BENCH_TOOLS: { name: string; description: string; parameters: ParametersSchema }[] = [
  {
    name: 'get_weather',
    description: 'Weather forecast for a city.',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        days: { type: 'integer', minimum: 1, maximum: 7 },
      },
      required: ['city', 'unit', 'days'],
      additionalProperties: false,
    },
  },
  {
    name: 'search_docs',
    description: 'Full-text search in the product documentation.',
    parameters: {
      type: 'object',
      properties: {
        query: { type: 'string' },
        limit: { type: 'integer', minimum: 1, maximum: 20 },
        sections: { type: 'array', items: { type: 'string', enum: ['api', 'guides', 'changelog'] } },
        exact: { type: 'boolean' },
      },
      required: ['query', 'limit', 'sections', 'exact'],
      additionalProperties: false,
    },
  },
];

export function toolsBody(config: Pick<Config, 'model' | 'maxTokens'>, prompt: string, stream: boolean): string {
  const body: Record<string, unknown> = {
    model: config.model,
    messages: [{ role: 'user', content: prompt }],
    tools: BENCH_TOOLS.map((t) => ({ type: 'function', function: { ...t, strict: true } })),
    tool_choice: 'required',
  };
  if (config.maxTokens !== null) body.max_tokens = config.maxTokens;
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return JSON.stringify(body);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fits(value: unknown, schema: PropertySchema): boolean {
  switch (schema.type) {
    case 'string':
      return typeof value === 'string' && (!schema.enum || schema.enum.includes(value));
    case 'integer':
    case 'number':
      return (
        typeof value === 'number' &&
        (schema.type === 'number' || Number.isInteger(value)) &&
        (schema.minimum === undefined || value >= schema.minimum) &&
        (schema.maximum === undefined || value <= schema.maximum)
      );
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value) && (!schema.items || value.every((item) => fits(item, schema.items!)));
  }
}

/** True when `args` (a JSON text) is an object valid for the named tool's parameters. */
export function validArguments(name: string, args: unknown): boolean {
  const tool = BENCH_TOOLS.find((t) => t.name === name);
  if (!tool || typeof args !== 'string') return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return false;
  }
  if (!isObject(parsed)) return false;
  const { properties, required } = tool.parameters;
  for (const key of required) if (!(key in parsed)) return false;
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in properties) || !fits(value, properties[key])) return false;
  }
  return true;
}

export interface ToolCallsCheck {
  json: boolean;
  /** finish_reason "tool_calls". */
  finished: boolean;
  calls: number;
  /** Every call has an id, type "function", an offered name and valid arguments (and there is one). */
  valid: boolean;
  usage: boolean;
  completionTokens: number | null;
}

interface Call {
  id?: unknown;
  type?: unknown;
  name?: unknown;
  arguments?: unknown;
}

function judge(calls: Call[]): boolean {
  return calls.length > 0 && calls.every((c) => typeof c.id === 'string' && c.id !== '' && c.type === 'function' && validArguments(String(c.name), c.arguments));
}

/** A whole chat completion answering with tool calls. */
export function checkToolCalls(body: string | null | undefined): ToolCallsCheck {
  const result: ToolCallsCheck = { json: false, finished: false, calls: 0, valid: false, usage: false, completionTokens: null };
  if (typeof body !== 'string' || body === '') return result;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return result;
  }
  if (!isObject(parsed)) return result;
  result.json = true;
  const choice = Array.isArray(parsed.choices) ? parsed.choices[0] : undefined;
  if (isObject(choice)) {
    result.finished = choice.finish_reason === 'tool_calls';
    const raw = isObject(choice.message) && Array.isArray(choice.message.tool_calls) ? choice.message.tool_calls : [];
    const calls = raw.map((c): Call => (isObject(c) ? { id: c.id, type: c.type, name: isObject(c.function) ? c.function.name : undefined, arguments: isObject(c.function) ? c.function.arguments : undefined } : {}));
    result.calls = calls.length;
    result.valid = judge(calls);
  }
  if (isObject(parsed.usage)) {
    result.usage = true;
    if (typeof parsed.usage.completion_tokens === 'number') result.completionTokens = parsed.usage.completion_tokens;
  }
  return result;
}

export interface ToolStreamReport extends ToolCallsCheck {
  done: boolean;
  invalidJson: number;
  /** Chunks carrying an argument fragment (the stream's tokens). */
  fragments: number;
  /** [DONE], every event JSON, finish tool_calls, valid calls, fragments == usage when sent. */
  ok: boolean;
}

/** A streamed chat completion answering with tool calls: calls reassembled by index. */
export function analyseToolStream(body: string | null | undefined): ToolStreamReport {
  const report: ToolStreamReport = { json: false, finished: false, calls: 0, valid: false, usage: false, completionTokens: null, done: false, invalidJson: 0, fragments: 0, ok: false };
  if (typeof body !== 'string') return report;
  const calls: Call[] = [];
  for (const event of parseSse(body).events) {
    if (event.data === '[DONE]') {
      report.done = true;
      continue;
    }
    let chunk: unknown;
    try {
      chunk = JSON.parse(event.data);
    } catch {
      report.invalidJson++;
      continue;
    }
    if (!isObject(chunk)) {
      report.invalidJson++;
      continue;
    }
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (isObject(choice)) {
      if (choice.finish_reason === 'tool_calls') report.finished = true;
      const deltas = isObject(choice.delta) && Array.isArray(choice.delta.tool_calls) ? choice.delta.tool_calls : [];
      for (const d of deltas) {
        if (!isObject(d) || typeof d.index !== 'number') continue;
        const call = (calls[d.index] ??= { arguments: '' });
        if (d.id !== undefined) call.id = d.id;
        if (d.type !== undefined) call.type = d.type;
        if (isObject(d.function)) {
          if (d.function.name !== undefined) call.name = d.function.name;
          if (typeof d.function.arguments === 'string' && d.function.arguments !== '') {
            call.arguments = String(call.arguments) + d.function.arguments;
            report.fragments++;
          }
        }
      }
    }
    if (isObject(chunk.usage) && typeof chunk.usage.completion_tokens === 'number') {
      report.usage = true;
      report.completionTokens = chunk.usage.completion_tokens;
    }
  }
  report.json = report.invalidJson === 0;
  report.calls = calls.length;
  report.valid = judge(calls.filter((c) => c !== undefined));
  report.ok = report.done && report.json && report.finished && report.valid && (report.completionTokens === null || report.completionTokens === report.fragments);
  return report;
}
