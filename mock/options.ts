// The mock's settings: one plain object of defaults, shared by the CLI, the programmatic API and the docs.

/** Longest delay a flag or x-mock-* header may ask for: beyond it a benchmark has surely gone wrong. */
export const MAX_DELAY_MS = 3_600_000;

/** Most output tokens an answer may have (--tokens, x-mock-tokens): ~600 KB of text, bounded memory. */
export const MAX_OUTPUT_TOKENS = 100_000;

/** Embedding inputs per request (OpenAI's limit). */
export const MAX_EMBEDDING_INPUTS = 2048;

/** Most numbers (inputs x dimensions) one embeddings answer may hold: ~45 MB of JSON. */
export const MAX_EMBEDDING_VALUES = 2 ** 21;

export type JitterKind = 'none' | 'normal' | 'lognormal';

export interface MockOptions {
  /** Interface to bind; 127.0.0.1 unless told otherwise. */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Time to the first token (streaming) or to the whole answer (non-streaming), ms. */
  latencyMs: number;
  /** Gap between output tokens in a stream, ms. */
  itlMs: number;
  /** Output tokens per answer before a request's max_tokens caps it. */
  tokens: number;
  /** Seed of every random draw (delays, faults, text). */
  seed: number;
  jitter: JitterKind;
  /** Coefficient of variation (stddev / mean) of jittered delays. */
  jitterCv: number;
  /** Extra time to first token per prompt token, ms (prefill). */
  prefillPerTokenMs: number;
  /** Requests served at once; more wait in a FIFO queue. 0 = unlimited. */
  maxConcurrency: number;
  /** Fraction of model requests answered with `errorStatus`. */
  errorRate: number;
  errorStatus: number;
  /** Retry-After seconds sent with injected 429 and 503 answers. */
  retryAfterS: number;
  /** Fraction of model requests whose connection is cut (mid-stream for streams). */
  abortRate: number;
  /** Fraction of model requests that pause for `stallMs` (mid-stream for streams). */
  stallRate: number;
  stallMs: number;
  /** Tokens carried by one streamed chunk (1 = one chunk per token, like OpenAI). */
  tokensPerChunk: number;
  /** Largest accepted request body, bytes; larger ones get 413. */
  bodyLimitBytes: number;
  /** Embedding size when a request does not ask for `dimensions`. */
  embeddingDimensions: number;
  /** Model ids listed by GET /v1/models. */
  models: string[];
}

export const DEFAULT_MOCK_OPTIONS: Readonly<MockOptions> = Object.freeze({
  host: '127.0.0.1',
  port: 8080,
  latencyMs: 50,
  itlMs: 10,
  tokens: 20,
  seed: 1,
  jitter: 'none',
  jitterCv: 0.2,
  prefillPerTokenMs: 0,
  maxConcurrency: 0,
  errorRate: 0,
  errorStatus: 500,
  retryAfterS: 1,
  abortRate: 0,
  stallRate: 0,
  stallMs: 30_000,
  tokensPerChunk: 1,
  bodyLimitBytes: 4 * 1024 * 1024,
  embeddingDimensions: 1536,
  models: ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'text-embedding-3-small', 'claude-sonnet-4-5'],
});

export function resolveOptions(partial: Partial<MockOptions> = {}): MockOptions {
  const merged: MockOptions = { ...DEFAULT_MOCK_OPTIONS, models: [...DEFAULT_MOCK_OPTIONS.models] };
  for (const [key, value] of Object.entries(partial)) {
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  return merged;
}
