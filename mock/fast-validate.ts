// A quick yes for the common request bodies, so the hot path skips zod. Each check accepts a
// strict subset of what the zod schema (schemas.ts) accepts; anything else, valid or not, goes to
// zod, which also words every 400. The schemas have no defaults or transforms, so an accepted body
// is used as it is.

const CHAT_ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const absent = (v: unknown) => v === undefined || v === null;
const optBoolean = (v: unknown) => absent(v) || typeof v === 'boolean';
const optPositiveInt = (v: unknown) => absent(v) || (Number.isSafeInteger(v) && (v as number) >= 1);
const optRange = (v: unknown, min: number, max: number) => absent(v) || (typeof v === 'number' && v >= min && v <= max);

function isContent(v: unknown): boolean {
  if (absent(v) || typeof v === 'string') return true;
  if (!Array.isArray(v)) return false;
  for (const part of v) if (!isObject(part) || typeof part.type !== 'string') return false;
  return true;
}

/** True when `body` certainly passes ChatCompletionRequest. */
export function isSimpleChatRequest(body: Record<string, unknown>): boolean {
  const { model, messages } = body;
  if (typeof model !== 'string' || model.length === 0) return false;
  if (!Array.isArray(messages) || messages.length === 0) return false;
  for (const m of messages) {
    if (!isObject(m) || typeof m.role !== 'string' || !CHAT_ROLES.has(m.role) || !isContent(m.content)) return false;
  }
  const so = body.stream_options;
  return (
    optBoolean(body.stream) &&
    (absent(so) || (isObject(so) && optBoolean(so.include_usage))) &&
    optPositiveInt(body.max_tokens) &&
    optPositiveInt(body.max_completion_tokens) &&
    optRange(body.temperature, 0, 2) &&
    optRange(body.top_p, 0, 1) &&
    (absent(body.n) || body.n === 1)
  );
}
