// What makes a chat completion response valid, for plain JSON and for SSE streams.
// Pure code, no k6 imports.
import { parseSse } from './sse.ts';

export interface CompletionCheck {
  json: boolean;
  content: boolean;
  usage: boolean;
  completionTokens: number | null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Non-streaming: JSON body, non-empty choices[0].message.content, a usage object. */
export function checkCompletion(body: string | null | undefined): CompletionCheck {
  const result: CompletionCheck = { json: false, content: false, usage: false, completionTokens: null };
  if (typeof body !== 'string' || body === '') return result;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return result;
  }
  result.json = isObject(parsed);
  if (!isObject(parsed)) return result;
  const choices = parsed.choices;
  const first = Array.isArray(choices) ? choices[0] : undefined;
  const message = isObject(first) ? first.message : undefined;
  result.content = isObject(message) && typeof message.content === 'string' && message.content.length > 0;
  if (isObject(parsed.usage)) {
    result.usage = true;
    const tokens = parsed.usage.completion_tokens;
    if (typeof tokens === 'number' && Number.isFinite(tokens)) result.completionTokens = tokens;
  }
  return result;
}

export interface StreamReport {
  /** Data events, [DONE] included. */
  events: number;
  done: boolean;
  /** Events after [DONE]. */
  afterDone: number;
  invalidJson: number;
  /** An `event: error` or a chunk with an "error" member. */
  errorEvent: boolean;
  /** Chunks carrying a non-empty delta.content. */
  contentChunks: number;
  /** usage.completion_tokens from the final chunk, when the server sent usage. */
  usageTokens: number | null;
  /** The body ended inside an event. */
  truncated: boolean;
  /** usage.completion_tokens, unless absent or below the content chunks (each holds a token at least). */
  outputTokens: number;
  /** Usage present and not equal to the content chunks: reported apart, never a failed stream. */
  usageMismatch: boolean;
  /** Stream integrity: [DONE] seen, every event valid JSON, no error, non-empty content. */
  ok: boolean;
}

/**
 * Reads an OpenAI-style chat completion stream event by event (`data: {...}` chunks, `data: [DONE]`),
 * for a parser that hands events over as they arrive (k6/x/sse). `add` says whether the event
 * carried content, so the caller can time content deltas.
 */
export class StreamAnalyser {
  readonly report: StreamReport = {
    events: 0,
    done: false,
    afterDone: 0,
    invalidJson: 0,
    errorEvent: false,
    contentChunks: 0,
    usageTokens: null,
    truncated: false,
    outputTokens: 0,
    usageMismatch: false,
    ok: false,
  };

  /** One event (`event` is its type, "message" when unnamed); true when it carried a content delta. */
  add(event: string, data: string): boolean {
    const report = this.report;
    report.events++;
    if (report.done) {
      report.afterDone++;
      return false;
    }
    if (data === '[DONE]') {
      report.done = true;
      return false;
    }
    if (event === 'error') report.errorEvent = true;
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      report.invalidJson++;
      return false;
    }
    if (!isObject(chunk)) {
      report.invalidJson++;
      return false;
    }
    if ('error' in chunk && chunk.error !== null && chunk.error !== undefined) report.errorEvent = true;
    let content = false;
    if (Array.isArray(chunk.choices)) {
      for (const choice of chunk.choices) {
        const delta = isObject(choice) ? choice.delta : undefined;
        if (isObject(delta) && typeof delta.content === 'string' && delta.content.length > 0) {
          report.contentChunks++;
          content = true;
          break;
        }
      }
    }
    if (isObject(chunk.usage) && typeof chunk.usage.completion_tokens === 'number') {
      report.usageTokens = chunk.usage.completion_tokens;
    }
    return content;
  }

  /** The verdict once the stream is over; `truncated` = it stopped inside an event. */
  finish(truncated: boolean): StreamReport {
    const report = this.report;
    report.truncated = truncated;
    // A gateway that appends a usage chunk of zeros (or miscounts) must not make the tokens vanish.
    report.outputTokens = report.usageTokens !== null && report.usageTokens >= report.contentChunks ? report.usageTokens : report.contentChunks;
    report.usageMismatch = report.usageTokens !== null && report.usageTokens !== report.contentChunks;
    report.ok = report.done && report.afterDone === 0 && report.invalidJson === 0 && !report.errorEvent && report.contentChunks > 0;
    return report;
  }
}

/** Reads a whole buffered chat completion stream. */
export function analyseStream(body: string | null | undefined): StreamReport {
  const analyser = new StreamAnalyser();
  if (typeof body !== 'string') return analyser.report;
  const { events, truncated } = parseSse(body);
  for (const event of events) analyser.add(event.event, event.data);
  return analyser.finish(truncated);
}
