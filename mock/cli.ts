// `llmux-bench mock` / `npm run mock`: flags (with MOCK_* env equivalents) → MockOptions → server.
import { z } from 'zod';
import { runCommand, validateFlags, zDurationMs, zNumber, type CommandSpec } from '../lib/cli.ts';
import { formatDurationMs } from '../lib/duration.ts';
import { DEFAULT_MOCK_OPTIONS as D, MAX_DELAY_MS, MAX_OUTPUT_TOKENS, type MockOptions } from './options.ts';
import { isMockWorker, runMockWorker, startMockCluster } from './cluster.ts';
import { startMockServer } from './server.ts';

const ms = formatDurationMs;

export const mockCommand: CommandSpec = {
  name: 'mock',
  summary: 'Run the mock OpenAI/Anthropic-compatible LLM server (chat with tools and structured output, Responses API, completions, embeddings, models, messages).',
  flags: {
    host: { type: 'string', env: 'MOCK_HOST', default: D.host, value: 'ADDR', description: 'interface to bind' },
    port: { type: 'string', env: 'MOCK_PORT', default: String(D.port), value: 'N', description: 'port (0 = a free one)' },
    latency: { type: 'string', env: 'MOCK_LATENCY', default: ms(D.latencyMs), value: 'DUR', description: 'time to first token, or to the whole non-streamed answer' },
    itl: { type: 'string', env: 'MOCK_ITL', default: ms(D.itlMs), value: 'DUR', description: 'inter-token latency of streams' },
    tokens: { type: 'string', env: 'MOCK_TOKENS', default: String(D.tokens), value: 'N', description: "output tokens per answer (a request's max_tokens caps it)" },
    seed: { type: 'string', env: 'MOCK_SEED', default: String(D.seed), value: 'N', description: 'seed of delays, faults and text' },
    jitter: { type: 'string', env: 'MOCK_JITTER', default: D.jitter, value: 'KIND', description: 'delay jitter: none, normal or lognormal' },
    jitterCv: { type: 'string', env: 'MOCK_JITTER_CV', default: String(D.jitterCv), value: 'X', description: 'jitter coefficient of variation (stddev/mean)' },
    prefillPerToken: { type: 'string', env: 'MOCK_PREFILL_PER_TOKEN', default: ms(D.prefillPerTokenMs), value: 'DUR', description: 'extra time to first token per prompt token' },
    maxConcurrency: { type: 'string', env: 'MOCK_MAX_CONCURRENCY', default: String(D.maxConcurrency), value: 'N', description: 'requests served at once, the rest queue (0 = unlimited)' },
    errorRate: { type: 'string', env: 'MOCK_ERROR_RATE', default: String(D.errorRate), value: 'P', description: 'fraction of model requests answered with --error-status' },
    errorStatus: { type: 'string', env: 'MOCK_ERROR_STATUS', default: String(D.errorStatus), value: 'CODE', description: 'HTTP status of injected errors (e.g. 429, 500, 503)' },
    retryAfter: { type: 'string', env: 'MOCK_RETRY_AFTER', default: `${D.retryAfterS}s`, value: 'DUR', description: 'Retry-After sent with injected 429/503 (whole seconds)' },
    abortRate: { type: 'string', env: 'MOCK_ABORT_RATE', default: String(D.abortRate), value: 'P', description: 'fraction of model requests whose connection is cut (mid-stream for streams)' },
    stallRate: { type: 'string', env: 'MOCK_STALL_RATE', default: String(D.stallRate), value: 'P', description: 'fraction of model requests that pause for --stall-duration' },
    stallDuration: { type: 'string', env: 'MOCK_STALL_DURATION', default: ms(D.stallMs), value: 'DUR', description: 'length of an injected stall' },
    tokensPerChunk: { type: 'string', env: 'MOCK_TOKENS_PER_CHUNK', default: String(D.tokensPerChunk), value: 'N', description: 'tokens per streamed chunk' },
    bodyLimit: { type: 'string', env: 'MOCK_BODY_LIMIT', default: '4mb', value: 'SIZE', description: 'largest request body (b, kb, mb); larger gets 413' },
    embeddingDimensions: { type: 'string', env: 'MOCK_EMBEDDING_DIMENSIONS', default: String(D.embeddingDimensions), value: 'N', description: 'embedding size when a request gives no dimensions' },
    workers: { type: 'string', env: 'MOCK_WORKERS', default: '1', value: 'N', description: 'processes serving the port (Node cluster); /stats and /metrics add them up' },
    models: { type: 'string', env: 'MOCK_MODELS', default: D.models.join(','), value: 'LIST', description: 'comma-separated model ids listed by GET /v1/models' },
  },
  epilog: [
    'Per-request override headers: x-mock-latency, x-mock-itl, x-mock-tokens, x-mock-error (status),',
    'x-mock-abort (cut after N tokens), x-mock-stall (pause mid-answer). Durations: 50ms, 1.5s, 2m.',
    'Example: llmux-bench mock --port 0 --latency 200ms --itl 20ms --error-rate 0.05 --error-status 429',
  ].join('\n'),
};

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

const zBytes = z.string().transform((value, ctx) => {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = match ? UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined || Number(match[1]) * unit < 1) {
    ctx.addIssue({ code: 'custom', message: 'expected a size like 4mb, 512kb or 1048576 (bytes)' });
    return z.NEVER;
  }
  return Math.floor(Number(match[1]) * unit);
});

/** A delay flag, refused above MAX_DELAY_MS (a timer that long is a typo, e.g. 700h for 700ms). */
const delay = () => zDurationMs('ms').refine((v) => v <= MAX_DELAY_MS, { message: `at most ${ms(MAX_DELAY_MS)}` });

const rate = zNumber((n) => n.min(0).max(1));
const count = (min: number, max: number) => zNumber((n) => n.int().min(min).max(max));

export const mockFlagsSchema = z.object({
  host: z.string().min(1, { message: 'expected a host name or address' }),
  port: count(0, 65535),
  latency: delay(),
  itl: delay(),
  tokens: count(0, MAX_OUTPUT_TOKENS),
  seed: count(0, 2 ** 32 - 1),
  jitter: z.enum(['none', 'normal', 'lognormal'], { message: 'expected none, normal or lognormal' }),
  jitterCv: zNumber((n) => n.min(0).max(10)),
  prefillPerToken: delay(),
  maxConcurrency: count(0, 1_000_000),
  errorRate: rate,
  errorStatus: count(400, 599),
  retryAfter: zDurationMs('s'),
  abortRate: rate,
  stallRate: rate,
  stallDuration: delay(),
  tokensPerChunk: count(1, 1_000_000),
  bodyLimit: zBytes,
  embeddingDimensions: count(1, 8192),
  workers: count(1, 256),
  models: z.string().transform((s, ctx) => {
    const ids = s.split(',').map((x) => x.trim()).filter(Boolean);
    if (ids.length === 0) ctx.addIssue({ code: 'custom', message: 'expected at least one model id' });
    return ids;
  }),
});

export function toMockOptions(flags: z.infer<typeof mockFlagsSchema>): MockOptions {
  return {
    host: flags.host,
    port: flags.port,
    latencyMs: flags.latency,
    itlMs: flags.itl,
    tokens: flags.tokens,
    seed: flags.seed,
    jitter: flags.jitter,
    jitterCv: flags.jitterCv,
    prefillPerTokenMs: flags.prefillPerToken,
    maxConcurrency: flags.maxConcurrency,
    errorRate: flags.errorRate,
    errorStatus: flags.errorStatus,
    retryAfterS: Math.ceil(flags.retryAfter / 1000),
    abortRate: flags.abortRate,
    stallRate: flags.stallRate,
    stallMs: flags.stallDuration,
    tokensPerChunk: flags.tokensPerChunk,
    bodyLimitBytes: flags.bodyLimit,
    embeddingDimensions: flags.embeddingDimensions,
    models: flags.models,
  };
}

/**
 * Runs until SIGINT or SIGTERM, then closes the server and resolves 0. `signal` lets a caller
 * (tests) stop it the same way.
 */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): Promise<number> {
  if (isMockWorker()) return runMockWorker();
  return runCommand(
    mockCommand,
    argv,
    async (args) => {
      const flags = validateFlags(mockFlagsSchema, args);
      const options = toMockOptions(flags);
      let mock: { listening: string; close(): Promise<void>; failed?: Promise<string> };
      try {
        mock = flags.workers > 1 ? await startMockCluster(options, flags.workers) : await startMockServer(options);
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        const why = e.code === 'EADDRINUSE' ? 'address already in use' : e.code === 'EACCES' ? 'permission denied' : e.message;
        process.stderr.write(`llmux-bench mock: cannot listen on ${options.host}:${options.port}: ${why}\n`);
        return 1;
      }
      process.stdout.write(`mock listening on ${mock.listening}\n`);
      let failure: string | null = null;
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          signal?.removeEventListener('abort', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
        signal?.addEventListener('abort', stop, { once: true });
        if (signal?.aborted) stop();
        // A worker that dies ends the mock (with --workers): a benchmark must not go on with fewer.
        void mock.failed?.then((why) => {
          failure = why;
          stop();
        });
      });
      await mock.close();
      if (failure) {
        process.stderr.write(`llmux-bench mock: ${failure}\n`);
        return 1;
      }
      return 0;
    },
    env,
  );
}
