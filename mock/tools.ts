// Tool calls and structured output, whatever the API: the request's tools and tool choice
// (OpenAI chat, Responses, Anthropic), the rule that decides between text and tool calls, and the
// JSON the answer carries, cut into the pieces a stream sends one per token.
//
// The rule (docs/mock.md): tool_choice "none" answers text; a named tool is called; "required"
// (Anthropic "any") calls; "auto" calls unless the conversation's last turn is a tool result, in
// which case it answers text, as a model does once it has what it asked for. How many tools a
// call turn uses: one when parallel calls are off or one tool is offered, else 1 to 3 consecutive
// tools; which ones and how many are drawn from the request's seed.
import { compileJsonSchema, type SchemaWriter } from './json-schema-compile.ts';
import { generateJsonText, SchemaError } from './json-schema-gen.ts';
import { MockHttpError } from './errors.ts';
import type { RequestPlan } from './plan.ts';
import { mix32, Rng } from './random.ts';
import { tokensText } from './content.ts';

export interface ToolDef {
  name: string;
  /** JSON Schema of the arguments (undefined: any object). */
  schema: unknown;
  /** The schema compiled (json-schema-compile.ts), for a tool read from a cached body. */
  write?: SchemaWriter | null;
}

export type ToolMode = { kind: 'none' } | { kind: 'auto' } | { kind: 'required' } | { kind: 'named'; name: string };

export interface ToolRequest {
  tools: ToolDef[];
  mode: ToolMode;
  parallel: boolean;
  /** The conversation ends with a tool result (so "auto" answers text). */
  afterToolResult: boolean;
}

/** What the answer's format asks for: plain text, any JSON object, or JSON valid against a schema. */
export type OutputFormat = { kind: 'text' } | { kind: 'json_object' } | { kind: 'json_schema'; schema: unknown; write?: SchemaWriter | null };

/**
 * Compiles the schemas of tools and format, for a request body that later requests share
 * (body-cache.ts): compiling costs more than one generation and pays off from the second.
 */
export function compileSchemas(tools: ToolRequest | null, format: OutputFormat): void {
  if (tools) for (const tool of tools.tools) tool.write = compileJsonSchema(tool.schema ?? { type: 'object' });
  if (format.kind === 'json_schema') format.write = compileJsonSchema(format.schema);
}

/** A JSON text sent in pieces of about 4 characters, one piece per output token. */
export interface Segment {
  text: string;
  /** How many pieces. */
  pieces: number;
  /** End offset of each piece in `text`; null when every piece is 4 characters (the last one up to 4). */
  ends: number[] | null;
}

export interface ToolCallOut {
  /** Call id (call_…, toolu_…). */
  id: string;
  /** Item id, for the Responses API (fc_…). */
  itemId: string;
  name: string;
  args: Segment;
}

export type ModelOutput = { kind: 'json'; json: Segment } | { kind: 'calls'; calls: ToolCallOut[] };

/** Where output token `t` falls: which segment (call), and its piece's offsets. */
export interface PieceIndex {
  segment: Int32Array;
  start: Int32Array;
  end: Int32Array;
  /** First token of each segment. */
  firstToken: number[];
}

const PIECE_CHARS = 4;
const MAX_PARALLEL = 3;

const HIGH_SURROGATE = /[\ud800-\udbff]/;

export function segment(text: string): Segment {
  // Most texts have no surrogate pair: their pieces are plain arithmetic, no array.
  if (!HIGH_SURROGATE.test(text)) return { text, pieces: Math.ceil(text.length / PIECE_CHARS), ends: null };
  const ends: number[] = [];
  let at = 0;
  while (at < text.length) {
    let end = Math.min(text.length, at + PIECE_CHARS);
    // Never split a surrogate pair: each piece must be valid UTF-16 on its own.
    const code = text.charCodeAt(end - 1);
    if (end < text.length && code >= 0xd800 && code <= 0xdbff) end++;
    ends.push(end);
    at = end;
  }
  return { text, pieces: ends.length, ends };
}

/** End offset of piece `i` (0-based) of `s`. */
function pieceEnd(s: Segment, i: number): number {
  return s.ends === null ? Math.min(s.text.length, (i + 1) * PIECE_CHARS) : s.ends[i];
}

/** Segment `k` of an output, in the order a stream sends them. */
function segmentAt(output: ModelOutput, k: number): Segment {
  return output.kind === 'json' ? output.json : output.calls[k].args;
}

function segmentCount(output: ModelOutput): number {
  return output.kind === 'json' ? 1 : output.calls.length;
}

export function totalPieces(output: ModelOutput): number {
  let n = 0;
  for (let k = 0; k < segmentCount(output); k++) n += segmentAt(output, k).pieces;
  return n;
}

export function pieceIndex(output: ModelOutput): PieceIndex {
  const total = totalPieces(output);
  const index: PieceIndex = { segment: new Int32Array(total), start: new Int32Array(total), end: new Int32Array(total), firstToken: [] };
  let t = 0;
  for (let k = 0; k < segmentCount(output); k++) {
    const s = segmentAt(output, k);
    index.firstToken.push(t);
    let from = 0;
    for (let i = 0; i < s.pieces; i++) {
      const end = pieceEnd(s, i);
      index.segment[t] = k;
      index.start[t] = from;
      index.end[t] = end;
      from = end;
      t++;
    }
  }
  return index;
}

/** Text of segment `k` sent by the first `tokens` output tokens. */
export function sentText(output: ModelOutput, k: number, tokens: number): string {
  let first = 0;
  for (let i = 0; i < k; i++) first += segmentAt(output, i).pieces;
  const s = segmentAt(output, k);
  const pieces = Math.max(0, Math.min(s.pieces, tokens - first));
  if (pieces === s.pieces) return s.text;
  return pieces === 0 ? '' : s.text.slice(0, pieceEnd(s, pieces - 1));
}

/** Segments (calls) that got their first token within `tokens` (a cut answer drops the rest; at least one). */
export function segmentsSent(output: ModelOutput, tokens: number): number {
  let first = 0;
  let n = 0;
  for (let k = 0; k < segmentCount(output); k++) {
    if (first >= tokens && n > 0) break;
    n++;
    first += segmentAt(output, k).pieces;
  }
  return n;
}

export type Finish = 'stop' | 'length' | 'tool_calls';

/**
 * The output a request gets (null: plain text, the mock's usual words). Sizes the plan to it:
 * one output token per piece, cut at the request's token limit (finish "length").
 */
export function planOutput(plan: RequestPlan, tools: ToolRequest | null, format: OutputFormat, maxTokens: number | null | undefined, idPrefix: 'call_' | 'toolu_'): { output: ModelOutput | null; finish: Finish } {
  // Plain text, the usual case: nothing to draw.
  if (tools === null && format.kind === 'text') return { output: null, finish: plan.finishReason };
  const rng = new Rng(mix32(plan.contentSeed, 0x7001));
  let output: ModelOutput | null = null;
  const chosen = tools ? chooseTools(tools, rng) : [];
  if (chosen.length > 0) {
    const calls: ToolCallOut[] = [];
    for (const tool of chosen) {
      const id = rng.id(24);
      // The Responses item id shares the call id's characters (one draw instead of two).
      calls.push({ id: idPrefix + id, itemId: `fc_${id}`, name: tool.name, args: segment(generateArgs(tool, Math.floor(rng.next() * 2 ** 32))) });
    }
    output = { kind: 'calls', calls };
  } else if (format.kind === 'json_object') {
    output = { kind: 'json', json: segment(JSON.stringify({ answer: tokensText(plan.contentSeed, 0, plan.outputTokens) })) };
  } else if (format.kind === 'json_schema') {
    const seed = Math.floor(rng.next() * 2 ** 32);
    output = { kind: 'json', json: segment(format.write ? format.write(seed) : generateOrRefuse(format.schema, seed, 'response_format')) };
  }
  if (output === null) return { output, finish: plan.finishReason };
  const pieces = totalPieces(output);
  const cap = maxTokens ?? Infinity;
  resizePlan(plan, Math.min(pieces, cap));
  const finish: Finish = pieces > cap ? 'length' : output.kind === 'calls' ? 'tool_calls' : 'stop';
  plan.finishReason = finish === 'length' ? 'length' : 'stop';
  return { output, finish };
}

/**
 * Resizes a plan to `tokens` output tokens. A stall stays in the middle; an abort point stays
 * where it was (x-mock-abort N means N tokens; one past the end cuts before the finish).
 */
function resizePlan(plan: RequestPlan, tokens: number): void {
  plan.outputTokens = tokens;
  if (plan.stallAt !== null) plan.stallAt = Math.floor(tokens / 2);
}

function chooseTools(req: ToolRequest, rng: Rng): ToolDef[] {
  const { tools, mode } = req;
  if (tools.length === 0 || mode.kind === 'none') return [];
  if (mode.kind === 'named') return tools.filter((t) => t.name === mode.name).slice(0, 1);
  if (mode.kind === 'auto' && req.afterToolResult) return [];
  const most = req.parallel ? Math.min(MAX_PARALLEL, tools.length) : 1;
  const count = 1 + Math.floor(rng.next() * most);
  const first = Math.floor(rng.next() * tools.length);
  const chosen: ToolDef[] = [];
  for (let i = 0; i < count; i++) chosen.push(tools[(first + i) % tools.length]);
  return chosen;
}

function generateArgs(tool: ToolDef, seed: number): string {
  const text = tool.write ? tool.write(seed) : generateOrRefuse(tool.schema ?? { type: 'object' }, seed, `tool '${tool.name}'`);
  // Arguments are always an object, whatever a loose schema allows.
  return text.startsWith('{') ? text : JSON.stringify({ value: JSON.parse(text) });
}

function generateOrRefuse(schema: unknown, seed: number, what: string): string {
  try {
    return generateJsonText(schema, seed);
  } catch (error) {
    if (error instanceof SchemaError) throw new MockHttpError(400, `Invalid schema for ${what}: ${error.message}.`, null, 'invalid_schema');
    throw error;
  }
}

// --- request parsing, per API ------------------------------------------------------------------

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const absent = (v: unknown) => v === undefined || v === null;

function bad(param: string, message: string, code = 'invalid_value'): MockHttpError {
  return new MockHttpError(400, `Invalid value for '${param}': ${message}.`, param, code);
}

function toolName(v: unknown, param: string): string {
  if (typeof v !== 'string' || !/^[a-zA-Z0-9_.:-]{1,128}$/.test(v)) throw bad(param, 'expected a function name of letters, digits, "_", "-", "." or ":" (1 to 128 characters)');
  return v;
}

function schemaParam(v: unknown, param: string): unknown {
  if (absent(v)) return undefined;
  if (!isObject(v) && typeof v !== 'boolean') throw bad(param, 'expected a JSON Schema object', 'invalid_type');
  return v;
}

function uniqueNames(tools: ToolDef[], param: string): ToolDef[] {
  const seen = new Set<string>();
  for (const t of tools) {
    if (seen.has(t.name)) throw bad(param, `the function name '${t.name}' is used twice`);
    seen.add(t.name);
  }
  return tools;
}

function named(tools: ToolDef[], name: string, param: string): ToolMode {
  if (!tools.some((t) => t.name === name)) throw bad(param, `no function named '${name}' in tools`);
  return { kind: 'named', name };
}

function stringMode(v: unknown, param: string, allowed: string[]): ToolMode | undefined {
  if (typeof v !== 'string') return undefined;
  if (!allowed.includes(v)) throw bad(param, `expected ${allowed.map((a) => `"${a}"`).join(', ')} or an object naming a function`);
  return { kind: v === 'any' ? 'required' : (v as 'none' | 'auto' | 'required') };
}

/** Chat completions: tools, tool_choice, parallel_tool_calls. Null when no function tools. */
export function chatTools(body: Record<string, unknown>): ToolRequest | null {
  const { tools: raw, tool_choice: choice } = body;
  if (absent(raw)) {
    if (!absent(choice) && choice !== 'none' && choice !== 'auto') throw bad('tool_choice', 'tool_choice needs tools');
    return null;
  }
  if (!Array.isArray(raw)) throw bad('tools', 'expected an array of tools', 'invalid_type');
  const tools: ToolDef[] = [];
  raw.forEach((tool, i) => {
    if (!isObject(tool) || typeof tool.type !== 'string') throw bad(`tools[${i}]`, 'expected an object with a "type"', 'invalid_type');
    if (tool.type !== 'function') return; // custom tools are accepted, never called
    if (!isObject(tool.function)) throw new MockHttpError(400, `Missing required parameter: 'tools[${i}].function'.`, `tools[${i}].function`, 'missing_required_parameter');
    tools.push({ name: toolName(tool.function.name, `tools[${i}].function.name`), schema: schemaParam(tool.function.parameters, `tools[${i}].function.parameters`) });
  });
  uniqueNames(tools, 'tools');
  let mode: ToolMode = stringMode(choice, 'tool_choice', ['none', 'auto', 'required']) ?? { kind: 'auto' };
  if (isObject(choice)) {
    if (choice.type === 'function' && isObject(choice.function)) mode = named(tools, String(choice.function.name), 'tool_choice.function.name');
    else if (choice.type === 'allowed_tools' && isObject(choice.allowed_tools)) return allowedTools(body, tools, choice.allowed_tools, 'tool_choice.allowed_tools', chatAfterToolResult(body.messages));
    else throw bad('tool_choice', 'expected {"type": "function", "function": {"name": ...}} or {"type": "allowed_tools", ...}');
  } else if (!absent(choice) && typeof choice !== 'string') throw bad('tool_choice', 'expected a string or an object', 'invalid_type');
  if (mode.kind === 'required' && tools.length === 0) throw bad('tool_choice', '"required" needs at least one function tool');
  return { tools, mode, parallel: body.parallel_tool_calls !== false, afterToolResult: chatAfterToolResult(body.messages) };
}

function allowedTools(body: Record<string, unknown>, tools: ToolDef[], allowed: Record<string, unknown>, param: string, afterToolResult: boolean): ToolRequest {
  const list = Array.isArray(allowed.tools) ? allowed.tools : [];
  const names = new Set(list.map((t) => (isObject(t) ? (isObject(t.function) ? t.function.name : t.name) : undefined)).filter((n): n is string => typeof n === 'string'));
  const kept = tools.filter((t) => names.has(t.name));
  const mode: ToolMode = allowed.mode === 'required' ? { kind: 'required' } : { kind: 'auto' };
  if (mode.kind === 'required' && kept.length === 0) throw bad(param, '"required" needs at least one allowed function tool');
  return { tools: kept, mode, parallel: body.parallel_tool_calls !== false, afterToolResult };
}

function chatAfterToolResult(messages: unknown): boolean {
  if (!Array.isArray(messages) || messages.length === 0) return false;
  const last = messages[messages.length - 1];
  return isObject(last) && (last.role === 'tool' || last.role === 'function');
}

/** Chat completions: response_format. */
export function chatFormat(body: Record<string, unknown>): OutputFormat {
  const f = body.response_format;
  if (absent(f)) return { kind: 'text' };
  if (!isObject(f) || typeof f.type !== 'string') throw bad('response_format', 'expected {"type": "text" | "json_object" | "json_schema"}', 'invalid_type');
  if (f.type === 'text') return { kind: 'text' };
  if (f.type === 'json_object') return { kind: 'json_object' };
  if (f.type === 'json_schema') {
    if (!isObject(f.json_schema)) throw new MockHttpError(400, "Missing required parameter: 'response_format.json_schema'.", 'response_format.json_schema', 'missing_required_parameter');
    return { kind: 'json_schema', schema: schemaParam(f.json_schema.schema, 'response_format.json_schema.schema') ?? { type: 'object' } };
  }
  throw bad('response_format.type', `expected "text", "json_object" or "json_schema", got "${f.type}"`);
}

/** Responses API: tools (function tools; built-in ones are accepted, never called), tool_choice, parallel_tool_calls. */
export function responsesTools(body: Record<string, unknown>, afterToolResult: boolean): ToolRequest | null {
  const { tools: raw, tool_choice: choice } = body;
  if (absent(raw) || (Array.isArray(raw) && raw.length === 0)) return null;
  if (!Array.isArray(raw)) throw bad('tools', 'expected an array of tools', 'invalid_type');
  const tools: ToolDef[] = [];
  raw.forEach((tool, i) => {
    if (!isObject(tool) || typeof tool.type !== 'string') throw bad(`tools[${i}]`, 'expected an object with a "type"', 'invalid_type');
    if (tool.type !== 'function') return;
    tools.push({ name: toolName(tool.name, `tools[${i}].name`), schema: schemaParam(tool.parameters, `tools[${i}].parameters`) });
  });
  uniqueNames(tools, 'tools');
  let mode: ToolMode = stringMode(choice, 'tool_choice', ['none', 'auto', 'required']) ?? { kind: 'auto' };
  if (isObject(choice)) {
    if (choice.type === 'function') mode = named(tools, String(choice.name), 'tool_choice.name');
    else if (choice.type === 'allowed_tools') return allowedTools(body, tools, choice, 'tool_choice', afterToolResult);
    // A built-in tool's choice ({"type": "web_search"}): the mock has no such tool and answers text.
    else mode = { kind: 'none' };
  } else if (!absent(choice) && typeof choice !== 'string') throw bad('tool_choice', 'expected a string or an object', 'invalid_type');
  if (mode.kind === 'required' && tools.length === 0) throw bad('tool_choice', '"required" needs at least one function tool');
  return { tools, mode, parallel: body.parallel_tool_calls !== false, afterToolResult };
}

/** Responses API: text.format. */
export function responsesFormat(body: Record<string, unknown>): OutputFormat {
  const text = body.text;
  if (absent(text)) return { kind: 'text' };
  if (!isObject(text)) throw bad('text', 'expected an object', 'invalid_type');
  const f = text.format;
  if (absent(f)) return { kind: 'text' };
  if (!isObject(f) || typeof f.type !== 'string') throw bad('text.format', 'expected {"type": "text" | "json_object" | "json_schema"}', 'invalid_type');
  if (f.type === 'text') return { kind: 'text' };
  if (f.type === 'json_object') return { kind: 'json_object' };
  if (f.type === 'json_schema') {
    if (absent(f.schema)) throw new MockHttpError(400, "Missing required parameter: 'text.format.schema'.", 'text.format.schema', 'missing_required_parameter');
    return { kind: 'json_schema', schema: schemaParam(f.schema, 'text.format.schema') };
  }
  throw bad('text.format.type', `expected "text", "json_object" or "json_schema", got "${f.type}"`);
}

/** Anthropic Messages: tools (custom tools; server tools are accepted, never called) and tool_choice. */
export function anthropicTools(body: Record<string, unknown>): ToolRequest | null {
  const { tools: raw, tool_choice: choice } = body;
  if (absent(raw) || (Array.isArray(raw) && raw.length === 0)) return null;
  if (!Array.isArray(raw)) throw bad('tools', 'expected an array of tools', 'invalid_type');
  const tools: ToolDef[] = [];
  raw.forEach((tool, i) => {
    if (!isObject(tool)) throw bad(`tools[${i}]`, 'expected an object', 'invalid_type');
    if (tool.type !== undefined && tool.type !== 'custom') return;
    if (!isObject(tool.input_schema)) throw new MockHttpError(400, `tools.${i}.input_schema: Field required`, `tools[${i}].input_schema`, 'missing_required_parameter');
    tools.push({ name: toolName(tool.name, `tools[${i}].name`), schema: tool.input_schema });
  });
  uniqueNames(tools, 'tools');
  let mode: ToolMode = { kind: 'auto' };
  let parallel = true;
  if (!absent(choice)) {
    if (!isObject(choice) || typeof choice.type !== 'string') throw bad('tool_choice', 'expected {"type": "auto" | "any" | "tool" | "none"}', 'invalid_type');
    if (choice.type === 'tool') mode = named(tools, String(choice.name), 'tool_choice.name');
    else mode = stringMode(choice.type, 'tool_choice.type', ['auto', 'any', 'none']) as ToolMode;
    parallel = choice.disable_parallel_tool_use !== true;
  }
  if (mode.kind === 'required' && tools.length === 0) throw bad('tool_choice', '"any" needs at least one custom tool');
  return { tools, mode, parallel, afterToolResult: anthropicAfterToolResult(body.messages) };
}

function anthropicAfterToolResult(messages: unknown): boolean {
  if (!Array.isArray(messages) || messages.length === 0) return false;
  const last = messages[messages.length - 1];
  return isObject(last) && last.role === 'user' && Array.isArray(last.content) && last.content.some((b) => isObject(b) && b.type === 'tool_result');
}

/** Prompt tokens the tool definitions add (their compact JSON, at ~4 characters a token). */
export function toolTokens(tools: unknown): number {
  return Array.isArray(tools) && tools.length > 0 ? Math.ceil(jsonLength(tools) / 4) : 0;
}

/** Length of JSON.stringify(v) without building it (escapes in strings not counted): 7x cheaper. */
export function jsonLength(v: unknown): number {
  if (typeof v === 'string') return v.length + 2;
  if (typeof v === 'number') return String(v).length;
  if (typeof v === 'boolean') return v ? 4 : 5;
  if (v === null) return 4;
  if (Array.isArray(v)) {
    let n = 1 + Math.max(1, v.length);
    for (const item of v) n += item === undefined ? 4 : jsonLength(item);
    return n;
  }
  if (typeof v === 'object') {
    let n = 1;
    let keys = 0;
    for (const key in v) {
      const value = (v as Record<string, unknown>)[key];
      if (value === undefined) continue;
      n += key.length + 3 + jsonLength(value);
      keys++;
    }
    return n + Math.max(1, keys);
  }
  return 0;
}
