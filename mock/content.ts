// Deterministic output text, prompt-token estimates and embedding vectors.
import { MockHttpError } from './errors.ts';
import { hashString, Rng } from './random.ts';

// Each output token is one word; every word after the first starts with a space, as BPE tokens do.
const WORDS = (
  'the quick brown fox jumps over a lazy dog while benchmark results arrive on time and every token ' +
  'counts because latency matters for users who wait at the gateway so proxies must stream each piece ' +
  'without delay or loss through busy networks under heavy load with many parallel requests today'
).split(' ');

const TOKENS_LEADING = WORDS.map((w) => ` ${w}`);
const TOKENS_FIRST = WORDS.map((w) => w.charAt(0).toUpperCase() + w.slice(1));
// JSON string literals of every token, so streamed chunks are built by concatenation.
const JSON_LEADING = TOKENS_LEADING.map((t) => JSON.stringify(t));
const JSON_FIRST = TOKENS_FIRST.map((t) => JSON.stringify(t));

/** Token `i` of an answer whose text is selected by `contentSeed`. */
export function tokenText(contentSeed: number, i: number): string {
  const w = (contentSeed + i * 7) % WORDS.length;
  return i === 0 ? TOKENS_FIRST[w] : TOKENS_LEADING[w];
}

/** JSON literal of token `i` (cached). */
export function tokenJson(contentSeed: number, i: number): string {
  const w = (contentSeed + i * 7) % WORDS.length;
  return i === 0 ? JSON_FIRST[w] : JSON_LEADING[w];
}

/** Text of tokens [from, to). */
export function tokensText(contentSeed: number, from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++) out += tokenText(contentSeed, i);
  return out;
}

// Answers depend only on (first word, length): their JSON literals are cached, so a whole answer
// costs a map lookup instead of a join and a JSON.stringify per request.
const answerJsonCache = new Map<number, string>();

/** JSON string literal of the whole answer of `count` tokens. */
export function answerJson(contentSeed: number, count: number): string {
  const key = (contentSeed % WORDS.length) * 1_000_001 + count;
  let json = answerJsonCache.get(key);
  if (json === undefined) {
    json = JSON.stringify(tokensText(contentSeed, 0, count));
    // Only typical lengths: long answers (up to MAX_OUTPUT_TOKENS) would make the cache hundreds of MB.
    if (count <= 4096 && answerJsonCache.size < 10_000) answerJsonCache.set(key, json);
  }
  return json;
}

/**
 * Prompt tokens are estimated, not tokenised: ceil(characters / 4) per text (OpenAI's rule of thumb
 * for English), plus 4 per chat message for role and framing, plus 3 for the reply's priming.
 */
export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

const IMAGE_TOKENS = 85;

/**
 * Deepest nesting of content parts read (a tool result holding parts is two levels). Deeper is the
 * client's fault (400), and recursing through it would overflow the stack.
 */
export const MAX_CONTENT_DEPTH = 32;

/**
 * Tokens of a message's content: a string, or an array of parts (text counted, images 85 each).
 * `param` names the content in the 400 for parts nested deeper than MAX_CONTENT_DEPTH.
 */
export function estimateContentTokens(content: unknown, param = 'content', depth = 1): number {
  if (typeof content === 'string') return estimateTextTokens(content);
  if (!Array.isArray(content)) return 0;
  if (depth > MAX_CONTENT_DEPTH) {
    throw new MockHttpError(400, `Invalid value for '${param}': content parts nested more than ${MAX_CONTENT_DEPTH} levels deep.`, param, 'invalid_value');
  }
  let total = 0;
  for (const part of content) {
    if (part && typeof part === 'object') {
      const p = part as Record<string, unknown>;
      if (typeof p.text === 'string') total += estimateTextTokens(p.text);
      else if (p.type === 'image_url' || p.type === 'image' || p.type === 'input_image') total += IMAGE_TOKENS;
      else if (typeof p.content === 'string' || Array.isArray(p.content)) total += estimateContentTokens(p.content, param, depth + 1);
    } else if (typeof part === 'string') total += estimateTextTokens(part);
  }
  return total;
}

export function estimateChatPromptTokens(messages: ReadonlyArray<{ content?: unknown }>, system?: unknown): number {
  let total = 3;
  if (system !== undefined) total += 4 + estimateContentTokens(system, 'system');
  for (let i = 0; i < messages.length; i++) total += 4 + estimateContentTokens(messages[i].content, `messages[${i}].content`);
  return total;
}

/** Tokens of an embeddings/completions input: text, array of texts, token array, or arrays of token arrays. */
export function estimateInputTokens(input: unknown): number {
  if (typeof input === 'string') return estimateTextTokens(input);
  if (!Array.isArray(input)) return 0;
  let total = 0;
  for (const item of input) total += typeof item === 'number' ? 1 : estimateInputTokens(item);
  return total;
}

/** Unit-length vector determined by the input text and the seed. */
export function embeddingVector(input: unknown, dimensions: number, seed: number): Float32Array {
  const rng = new Rng(hashString(typeof input === 'string' ? input : JSON.stringify(input), seed));
  const v = new Float32Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    const x = rng.next() * 2 - 1;
    v[i] = x;
    norm += x * x;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < dimensions; i++) v[i] *= scale;
  return v;
}

/** OpenAI's base64 encoding of an embedding: little-endian float32 bytes. */
export function embeddingBase64(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}
