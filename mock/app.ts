// The mock's Hono app: routes, request validation, the latency/fault model around each answer, and
// the /health, /stats and /metrics views. startMockServer (server.ts) puts it on a socket.
import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { parseDurationMs } from '../lib/duration.ts';
import { messageBody, messageStream } from './anthropic.ts';
import { estimateChatPromptTokens, estimateInputTokens } from './content.ts';
import { fromZodError, injectedError, MockHttpError, type ErrorFlavor } from './errors.ts';
import { ConcurrencyLimiter } from './limiter.ts';
import {
  chatCompletionBody,
  chatStream,
  completionBody,
  completionStream,
  embeddingsBody,
  modelObject,
  modelsBody,
} from './openai.ts';
import { resolveOptions, type MockOptions } from './options.ts';
import { planRequest, type Overrides, type RequestPlan } from './plan.ts';
import { Scheduler } from './scheduler.ts';
import { ChatCompletionRequest, CompletionRequest, EmbeddingRequest, MessagesRequest } from './schemas.ts';
import { MockStats } from './stats.ts';
import { NodeSink, TokenStream, WebSink, type Sink, type StreamProtocol } from './stream.ts';

type Env = { Bindings: Partial<HttpBindings> };

/** Everything behind one app: settings, counters, the shared timer and the concurrency queue. */
export class MockRuntime {
  readonly stats = new MockStats();
  readonly scheduler = new Scheduler();
  readonly limiter: ConcurrencyLimiter;
  /** Sequence number of the next model request; seeds its random draws. */
  seq = 0;
  /** Streams and waits in progress, cut on shutdown. */
  readonly live = new Set<{ stop(): void }>();

  constructor(readonly opts: MockOptions) {
    this.limiter = new ConcurrencyLimiter(opts.maxConcurrency);
  }

  /** Stops every timer and cuts every open answer (shutdown). */
  close(): void {
    for (const item of [...this.live]) item.stop();
    this.live.clear();
    this.scheduler.stop();
  }
}

export type MockApp = Hono<Env> & { runtime: MockRuntime };

// RESPONSE_ALREADY_SENT tells @hono/node-server that the handler wrote the answer itself. It only
// works if it was created before the adapter replaced the global Response (it then has no 'cache'
// slot); otherwise fall back to web streams rather than have the adapter write headers twice.
const CAN_WRITE_DIRECTLY = !Object.getOwnPropertySymbols(RESPONSE_ALREADY_SENT).some((s) => s.description === 'cache');

const JSON_HEADERS = { 'content-type': 'application/json' } as const;
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' } as const;

interface AnswerSpec {
  flavor: ErrorFlavor;
  stream: boolean;
  whole: () => string;
  protocol: () => StreamProtocol;
}

export function createMockApp(options: Partial<MockOptions> = {}): MockApp {
  const opts = resolveOptions(options);
  const rt = new MockRuntime(opts);
  const { stats, scheduler, limiter } = rt;
  const app = new Hono<Env>() as MockApp;
  app.runtime = rt;

  const errorResponse = (error: MockHttpError, flavor: ErrorFlavor): Response =>
    new Response(error.body(flavor), { status: error.status, headers: { ...JSON_HEADERS, ...error.headers } });

  /** Registers a route; counts the request and renders any MockHttpError in the route's flavour. */
  const route = (
    method: 'GET' | 'POST',
    paths: string[],
    flavor: ErrorFlavor,
    handler: (c: Context<Env>) => Response | Promise<Response>,
  ) => {
    for (const path of paths) {
      const wrapped = async (c: Context<Env>): Promise<Response> => {
        stats.requestsTotal++;
        let res: Response;
        try {
          res = await handler(c);
        } catch (error) {
          if (!(error instanceof MockHttpError)) throw error;
          res = errorResponse(error, flavor);
        }
        stats.count(method, path, res.status);
        return res;
      };
      if (method === 'GET') app.get(path, wrapped);
      else app.post(path, wrapped);
    }
  };

  const tooLarge = (c: Context<Env>) => {
    stats.requestsTotal++;
    stats.count(c.req.method, 'body-limit', 413);
    const flavor: ErrorFlavor = c.req.path.endsWith('/messages') ? 'anthropic' : 'openai';
    const error = new MockHttpError(413, `Request body too large: the limit is ${opts.bodyLimitBytes} bytes.`, null, 'request_too_large');
    return errorResponse(error, flavor);
  };
  const limitBody = bodyLimit({ maxSize: opts.bodyLimitBytes, onError: tooLarge });
  app.use('*', async (c, next) => {
    if (c.req.method !== 'POST') return next();
    // Hono's bodyLimit touches c.req.raw.body, which makes @hono/node-server build a full web
    // Request per call; with a Content-Length the check needs only the header. Chunked bodies
    // (no length) still go through bodyLimit, which counts the bytes as they arrive.
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      return Number(length) > opts.bodyLimitBytes ? tooLarge(c) : next();
    }
    return limitBody(c, next);
  });

  async function readBody<S extends z.ZodType>(c: Context<Env>, schema: S): Promise<z.infer<S>> {
    const text = await c.req.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new MockHttpError(400, 'We could not parse the JSON body of your request. The API expects a JSON payload.', null, 'invalid_json');
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new MockHttpError(400, 'The request body must be a JSON object.', null, 'invalid_json');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw fromZodError(parsed.error, json);
    return parsed.data;
  }

  /** Resolves true at `deadline`, or false as soon as the client goes away. */
  function waitUntil(c: Context<Env>, deadline: number): Promise<boolean> {
    const { promise, task } = scheduler.sleep(deadline);
    const gone = onClientGone(c, () => {
      task.cancelled = true;
      task.resolve?.(false);
    });
    const item = { stop: () => gone() };
    rt.live.add(item);
    return promise.then((ok) => {
      rt.live.delete(item);
      gone.detach();
      return ok;
    });
  }

  /** The admission time, once a --max-concurrency slot is free (null: the client went away first). */
  function admit(c: Context<Env>): number | Promise<number | null> {
    if (opts.maxConcurrency <= 0) return scheduler.now();
    let grantedNow = false;
    let resolveLater: ((at: number | null) => void) | null = null;
    let gone: Gone | null = null;
    const waiter = limiter.acquire(() => {
      if (!resolveLater) {
        grantedNow = true;
        return;
      }
      stats.queued--;
      gone?.detach();
      resolveLater(scheduler.now());
    });
    if (grantedNow) return scheduler.now();
    stats.queued++;
    return new Promise((resolve) => {
      resolveLater = resolve;
      gone = onClientGone(c, () => {
        waiter.cancelled = true;
        stats.queued--;
        resolve(null);
      });
    });
  }

  async function answer(c: Context<Env>, plan: RequestPlan, spec: AnswerSpec): Promise<Response> {
    stats.inFlight++;
    let finished = false;
    let admitted = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      stats.inFlight--;
      if (admitted) limiter.release();
    };
    const admittedAt = await admit(c);
    if (admittedAt === null) {
      stats.clientDisconnects++;
      finish();
      return clientGoneResponse();
    }
    admitted = opts.maxConcurrency > 0;

    if (plan.errorStatus !== null || !spec.stream) {
      const delay = plan.firstTokenDelayMs + (plan.stallAt !== null ? plan.stallMs : 0);
      if (plan.stallAt !== null && plan.errorStatus === null) stats.stallsInjected++;
      if (delay > 0 && !(await waitUntil(c, admittedAt + delay))) {
        stats.clientDisconnects++;
        finish();
        return clientGoneResponse();
      }
      finish();
      if (plan.errorStatus !== null) {
        stats.errorsInjected++;
        throw injectedError(plan.errorStatus, opts.retryAfterS);
      }
      if (plan.abortAfter !== null) {
        stats.abortsInjected++;
        return cutConnection(c);
      }
      const body = spec.whole();
      stats.tokensSent += plan.outputTokens;
      return new Response(body, { status: 200, headers: { ...JSON_HEADERS, 'x-request-id': `req_${plan.id}` } });
    }

    const headers = { ...SSE_HEADERS, 'x-request-id': `req_${plan.id}` };
    const outgoing = CAN_WRITE_DIRECTLY ? c.env?.outgoing : undefined;
    const sink: Sink = outgoing ? new NodeSink(outgoing, headers) : new WebSink(headers, c.req.raw.signal);
    const item = { stop: () => {} };
    rt.live.add(item);
    const stream = new TokenStream(plan, spec.protocol(), sink, {
      opts,
      scheduler,
      stats,
      onDone: () => {
        rt.live.delete(item);
        finish();
      },
    });
    item.stop = () => {
      sink.abort();
      stream.finish();
    };
    stream.begin(admittedAt);
    return outgoing ? RESPONSE_ALREADY_SENT : (sink as WebSink).response;
  }

  function cutConnection(c: Context<Env>): Response {
    const outgoing = CAN_WRITE_DIRECTLY ? c.env?.outgoing : undefined;
    if (outgoing) {
      outgoing.destroy();
      return RESPONSE_ALREADY_SENT;
    }
    const sink = new WebSink(SSE_HEADERS);
    sink.abort();
    return new Response(sink.stream, { status: 200 });
  }

  // --- model routes -------------------------------------------------------------------------

  route('POST', ['/v1/chat/completions', '/chat/completions'], 'openai', async (c) => {
    const req = await readBody(c, ChatCompletionRequest);
    const promptTokens = estimateChatPromptTokens(req.messages);
    const plan = planRequest(opts, {
      seq: rt.seq++,
      promptTokens,
      maxTokens: req.max_completion_tokens ?? req.max_tokens,
      overrides: readOverrides(c),
    });
    const includeUsage = req.stream_options?.include_usage === true;
    return answer(c, plan, {
      flavor: 'openai',
      stream: req.stream === true,
      whole: () => chatCompletionBody(plan, req.model, promptTokens),
      protocol: () => chatStream(plan, req.model, promptTokens, includeUsage),
    });
  });

  route('POST', ['/v1/completions', '/completions'], 'openai', async (c) => {
    const req = await readBody(c, CompletionRequest);
    const promptTokens = estimateInputTokens(req.prompt);
    const plan = planRequest(opts, { seq: rt.seq++, promptTokens, maxTokens: req.max_tokens, overrides: readOverrides(c) });
    const includeUsage = req.stream_options?.include_usage === true;
    return answer(c, plan, {
      flavor: 'openai',
      stream: req.stream === true,
      whole: () => completionBody(plan, req.model, promptTokens),
      protocol: () => completionStream(plan, req.model, promptTokens, includeUsage),
    });
  });

  route('POST', ['/v1/embeddings', '/embeddings'], 'openai', async (c) => {
    const req = await readBody(c, EmbeddingRequest);
    const inputs: unknown[] =
      typeof req.input === 'string' || typeof req.input[0] === 'number' ? [req.input] : (req.input as unknown[]);
    const promptTokens = estimateInputTokens(req.input);
    const plan = planRequest(opts, { seq: rt.seq++, promptTokens, overrides: readOverrides(c) });
    plan.outputTokens = 0;
    const dimensions = req.dimensions ?? opts.embeddingDimensions;
    return answer(c, plan, {
      flavor: 'openai',
      stream: false,
      whole: () => embeddingsBody(inputs, req.model, dimensions, req.encoding_format === 'base64', opts.seed, promptTokens),
      protocol: () => {
        throw new Error('embeddings do not stream');
      },
    });
  });

  route('POST', ['/v1/messages', '/messages'], 'anthropic', async (c) => {
    const req = await readBody(c, MessagesRequest);
    const inputTokens = estimateChatPromptTokens(req.messages, req.system ?? undefined);
    const plan = planRequest(opts, { seq: rt.seq++, promptTokens: inputTokens, maxTokens: req.max_tokens, overrides: readOverrides(c) });
    return answer(c, plan, {
      flavor: 'anthropic',
      stream: req.stream === true,
      whole: () => messageBody(plan, req.model, inputTokens),
      protocol: () => messageStream(plan, req.model, inputTokens),
    });
  });

  const modelsJson = modelsBody(opts.models);
  route('GET', ['/v1/models', '/models'], 'openai', () => new Response(modelsJson, { status: 200, headers: JSON_HEADERS }));
  // Any id is served (the mock answers for every model name), so a gateway's model lookup never fails.
  route('GET', ['/v1/models/:id{.+}', '/models/:id{.+}'], 'openai', (c) =>
    new Response(JSON.stringify(modelObject(c.req.param('id') ?? '')), { status: 200, headers: JSON_HEADERS }),
  );

  // --- operational routes -------------------------------------------------------------------

  route('GET', ['/health'], 'openai', () => Response.json({ status: 'ok', requests: stats.requestsTotal }));
  route('GET', ['/stats'], 'openai', () => Response.json(stats.toJSON()));
  route('GET', ['/metrics'], 'openai', () =>
    new Response(stats.toPrometheus(), { status: 200, headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } }),
  );

  // --- everything else ----------------------------------------------------------------------

  const KNOWN = new Set([
    '/v1/chat/completions', '/chat/completions', '/v1/completions', '/completions', '/v1/embeddings', '/embeddings',
    '/v1/messages', '/messages', '/v1/models', '/models', '/health', '/stats', '/metrics',
  ]);
  app.notFound((c) => {
    stats.requestsTotal++;
    const path = c.req.path;
    const flavor: ErrorFlavor = path.endsWith('/messages') ? 'anthropic' : 'openai';
    if (KNOWN.has(path) || /^\/(v1\/)?models\/.+/.test(path)) {
      stats.count(c.req.method, 'method-not-allowed', 405);
      const error = new MockHttpError(405, `Method ${c.req.method} is not allowed on ${path}.`, null, 'method_not_allowed');
      return new Response(error.body(flavor), { status: 405, headers: { ...JSON_HEADERS, allow: path.startsWith('/v1/models') || path.startsWith('/models') || ['/health', '/stats', '/metrics'].includes(path) ? 'GET' : 'POST' } });
    }
    stats.count(c.req.method, 'unknown', 404);
    return errorResponse(new MockHttpError(404, `Unknown request URL: ${c.req.method} ${path}.`, null, 'unknown_url'), flavor);
  });
  app.onError((error, c) => {
    // A bug in the mock must not take the server down: answer 500 and keep serving.
    stats.count(c.req.method, 'internal-error', 500);
    process.stderr.write(`mock: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return errorResponse(new MockHttpError(500, 'The mock failed to handle this request.', null, 'mock_internal_error'), 'openai');
  });

  return app;
}

/** Detaches `listener` from the client's close event; call it after the wait is over. */
type Gone = (() => void) & { detach(): void };

function onClientGone(c: Context<Env>, listener: () => void): Gone {
  let fired = false;
  const fire = () => {
    if (fired) return;
    fired = true;
    listener();
  };
  const outgoing = c.env?.outgoing;
  let detach: () => void;
  if (outgoing) {
    const onClose = () => {
      if (!outgoing.writableFinished) fire();
    };
    outgoing.once('close', onClose);
    detach = () => outgoing.off('close', onClose);
  } else {
    const signal = c.req.raw.signal;
    signal.addEventListener('abort', fire, { once: true });
    detach = () => signal.removeEventListener('abort', fire);
  }
  return Object.assign(fire, { detach });
}

function clientGoneResponse(): Response {
  // Nobody reads it; 499 is nginx's "client closed request", so /stats shows what happened.
  return new Response(null, { status: 499 });
}

const HEADER_INT = /^\d+$/;

function readOverrides(c: Context<Env>): Overrides | undefined {
  let o: Overrides | undefined;
  const duration = (name: string): number | undefined => {
    const raw = c.req.header(name);
    if (raw === undefined) return undefined;
    const ms = parseDurationMs(raw, 'ms');
    if (ms === null) throw new MockHttpError(400, `Invalid ${name} header '${raw}': expected a duration like 200ms or 1s.`, name, 'invalid_mock_header');
    return ms;
  };
  const int = (name: string, min: number, max: number): number | undefined => {
    const raw = c.req.header(name);
    if (raw === undefined) return undefined;
    const n = HEADER_INT.test(raw.trim()) ? Number(raw.trim()) : NaN;
    if (!(n >= min && n <= max)) throw new MockHttpError(400, `Invalid ${name} header '${raw}': expected an integer from ${min} to ${max}.`, name, 'invalid_mock_header');
    return n;
  };
  const set = <K extends keyof Overrides>(key: K, value: Overrides[K] | undefined) => {
    if (value !== undefined) (o ??= {})[key] = value;
  };
  set('latencyMs', duration('x-mock-latency'));
  set('itlMs', duration('x-mock-itl'));
  set('tokens', int('x-mock-tokens', 0, 1_000_000));
  set('errorStatus', int('x-mock-error', 400, 599));
  set('abortAfter', int('x-mock-abort', 0, 1_000_000));
  set('stallMs', duration('x-mock-stall'));
  return o;
}
