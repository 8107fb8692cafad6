// The responses scenario's request (OpenAI Responses API) and what makes its answer valid, whole
// or streamed as typed events (response.created ... response.output_text.delta ...
// response.completed). Pure code, no k6 imports.
import type { Config } from './config.ts';
import { parseSse } from './sse.ts';

export function responsesBody(config: Pick<Config, 'model' | 'maxTokens'>, prompt: string, stream: boolean): string {
  const body: Record<string, unknown> = { model: config.model, input: [{ role: 'user', content: [{ type: 'input_text', text: prompt }] }] };
  if (config.maxTokens !== null) body.max_output_tokens = config.maxTokens;
  if (stream) body.stream = true;
  return JSON.stringify(body);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The text of a Response's output_text parts (what the SDKs call output_text). */
function outputText(response: Record<string, unknown>): string {
  let text = '';
  for (const item of Array.isArray(response.output) ? response.output : []) {
    if (!isObject(item) || item.type !== 'message' || !Array.isArray(item.content)) continue;
    for (const part of item.content) if (isObject(part) && part.type === 'output_text' && typeof part.text === 'string') text += part.text;
  }
  return text;
}

export interface ResponseCheck {
  json: boolean;
  /** status "completed" or "incomplete" (max_output_tokens reached). */
  finished: boolean;
  text: boolean;
  usage: boolean;
  outputTokens: number | null;
}

function readResponse(response: unknown, into: ResponseCheck): void {
  if (!isObject(response)) return;
  into.finished = response.status === 'completed' || response.status === 'incomplete';
  into.text = outputText(response).length > 0;
  if (isObject(response.usage) && typeof response.usage.output_tokens === 'number') {
    into.usage = true;
    into.outputTokens = response.usage.output_tokens;
  }
}

/** A whole Response object. */
export function checkResponse(body: string | null | undefined): ResponseCheck {
  const result: ResponseCheck = { json: false, finished: false, text: false, usage: false, outputTokens: null };
  if (typeof body !== 'string' || body === '') return result;
  try {
    const parsed: unknown = JSON.parse(body);
    result.json = isObject(parsed) && parsed.object === 'response';
    if (result.json) readResponse(parsed, result);
  } catch {
    // not JSON: every flag stays false
  }
  return result;
}

export interface ResponseStreamReport extends ResponseCheck {
  events: number;
  invalidJson: number;
  /** response.failed or an error event. */
  errorEvent: boolean;
  /** response.created came first. */
  created: boolean;
  /** sequence_number counts 0, 1, 2 ... without a gap (when the server sends it). */
  sequenceOk: boolean;
  /** Non-empty response.output_text.delta events (the stream's tokens). */
  deltas: number;
  /** The deltas joined equal the final response's text. */
  textMatches: boolean;
  truncated: boolean;
  /** created first, completed/incomplete last, no error, every event JSON, sequence numbers in order, deltas == text. */
  ok: boolean;
}

export function analyseResponsesStream(body: string | null | undefined): ResponseStreamReport {
  const report: ResponseStreamReport = {
    json: false,
    finished: false,
    text: false,
    usage: false,
    outputTokens: null,
    events: 0,
    invalidJson: 0,
    errorEvent: false,
    created: false,
    sequenceOk: true,
    deltas: 0,
    textMatches: false,
    truncated: false,
    ok: false,
  };
  if (typeof body !== 'string') return report;
  const { events, truncated } = parseSse(body);
  report.truncated = truncated;
  let streamed = '';
  let finalText: string | null = null;
  for (const event of events) {
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      report.invalidJson++;
      continue;
    }
    if (!isObject(data) || typeof data.type !== 'string') {
      report.invalidJson++;
      continue;
    }
    if (report.events === 0) report.created = data.type === 'response.created';
    if (typeof data.sequence_number === 'number' && data.sequence_number !== report.events) report.sequenceOk = false;
    report.events++;
    // Anything after the final event is a protocol error too.
    if (report.finished) report.errorEvent = true;
    switch (data.type) {
      case 'response.output_text.delta':
        if (typeof data.delta === 'string' && data.delta !== '') {
          report.deltas++;
          streamed += data.delta;
        }
        break;
      case 'response.completed':
      case 'response.incomplete':
        readResponse(data.response, report);
        finalText = isObject(data.response) ? outputText(data.response) : null;
        break;
      case 'response.failed':
      case 'error':
        report.errorEvent = true;
        break;
    }
  }
  report.json = report.events > 0 && report.invalidJson === 0;
  report.textMatches = finalText !== null && finalText === streamed;
  report.ok = report.json && report.created && report.finished && !report.errorEvent && report.sequenceOk && report.deltas > 0 && report.textMatches && !truncated;
  return report;
}
