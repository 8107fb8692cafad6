// The mock's Hono app: routes, request validation, the latency/fault model around each answer, and
// the /health, /stats and /metrics views. startMockServer (server.ts) puts it on a socket.
import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono, type Context } from 'hono';
import type { z } from 'zod';
import { formatDurationMs, parseDurationMs } from '../lib/duration.ts';
import { CountTokensRequest, messageBody, messageStream } from './anthropic.ts';
import { countTokensResponse, extendedChat, extendedMessage, responsesRoute } from './api-routes.ts';
import { estimateChatPromptTokens, estimateInputTokens } from './content.ts';
import { BodyCache } from './body-cache.ts';
import { fromZodError, injectedError, MockHttpError, type ErrorFlavor } from './errors.ts';
import { mix32, Rng } from './random.ts';
import { isSimpleResponsesRequest, ResponsesRequest } from './responses.ts';
import { ConcurrencyLimiter } from './limiter.ts';
import {
  chatCompletionBody,
  chatStream,
  completionBody,
  completionStream,
  embeddingsBody,
  modelJsonExtraBytes,
  modelObject,
  modelsBody,
} from './openai.ts';
import { MAX_DELAY_MS, MAX_EMBEDDING_INPUTS, MAX_EMBEDDING_VALUES, MAX_OUTPUT_TOKENS, resolveOptions, type MockOptions } from './options.ts';
import { planRequest, type Overrides, type RequestPlan } from './plan.ts';
import { Scheduler } from './scheduler.ts';
import { isSimpleChatRequest } from './fast-validate.ts';
import { ChatCompletionRequest, CompletionRequest, EmbeddingRequest, MessagesRequest } from './schemas.ts';
import { CANARY_HEADER, CANARY_ID, CANARY_MARK, MockStats, type StatsSnapshot } from './stats.ts';
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
  /** With mock --workers: every worker's numbers added up, for /health, /stats and /metrics. */
  collect: (() => Promise<StatsSnapshot>) | null = null;

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

/** What to answer, as data (no per-request closures on the hot path). */
export interface AnswerSpec {
  kind: 'chat' | 'completion' | 'embedding' | 'message' | 'response';
  stream: boolean;
  model: string;
  promptTokens: number;
  includeUsage: boolean;
  embedding?: { inputs: unknown[]; dimensions: number; base64: boolean };
  /** Answers beyond the plain words (Responses API, tool calls, structured output): api-routes.ts. */
  render?: { whole(): string; stream(): StreamProtocol };
  /**
   * When known: the whole answer's UTF-8 length is its length plus this. It is sent as the
   * Content-Length, which spares measuring the freshly built string (a pass over every piece).
   */
  wholeExtraBytes?: number;
}

/** The request-id header of an API: Anthropic's `request-id`, OpenAI's `x-request-id`. */
const requestIdHeader = (flavor: ErrorFlavor) => (flavor === 'anthropic' ? 'request-id' : 'x-request-id');

function renderWhole(spec: AnswerSpec, plan: RequestPlan, seed: number): string {
  if (spec.render) return spec.render.whole();
  switch (spec.kind) {
    case 'chat':
      return chatCompletionBody(plan, spec.model, spec.promptTokens);
    case 'completion':
      return completionBody(plan, spec.model, spec.promptTokens);
    case 'message':
      return messageBody(plan, spec.model, spec.promptTokens);
    case 'embedding': {
      const e = spec.embedding!;
      return embeddingsBody(e.inputs, spec.model, e.dimensions, e.base64, seed, spec.promptTokens);
    }
    case 'response':
      throw new Error('response answers need a renderer');
  }
}

function renderStream(spec: AnswerSpec, plan: RequestPlan): StreamProtocol {
  if (spec.render) return spec.render.stream();
  switch (spec.kind) {
    case 'chat':
      return chatStream(plan, spec.model, spec.promptTokens, spec.includeUsage);
    case 'completion':
      return completionStream(plan, spec.model, spec.promptTokens, spec.includeUsage);
    case 'message':
      return messageStream(plan, spec.model, spec.promptTokens);
    case 'embedding':
    case 'response':
      throw new Error(`${spec.kind} answers need a renderer`);
  }
}

export function createMockApp(options: Partial<MockOptions> = {}): MockApp {
  const opts = resolveOptions(options);
  const rt = new MockRuntime(opts);
  const { stats, scheduler, limiter } = rt;
  const app = new Hono<Env>() as MockApp;
  app.runtime = rt;

  // Answers without a plan (400s, 404s...) still carry a request id, from their own seeded sequence.
  let unplannedSeq = 0;
  const newRequestId = () => `req_${new Rng(mix32(opts.seed ^ 0x5bd1e995, unplannedSeq++)).id(24)}`;
  const errorResponse = (error: MockHttpError, flavor: ErrorFlavor): Response => {
    const name = requestIdHeader(flavor);
    const headers = { ...JSON_HEADERS, ...error.headers, [name]: error.headers[name] ?? newRequestId() };
    return new Response(error.body(flavor), { status: error.status, headers });
  };

  /** Per-route bookkeeping: counts answers by status and renders MockHttpErrors in the route's flavour. */
  const outcome = (method: string, path: string, flavor: ErrorFlavor) => {
    const keys = new Map<number, string>(); // "/stats" keys, built once per route and status
    const done = (res: Response): Response => {
      let key = keys.get(res.status);
      if (key === undefined) keys.set(res.status, (key = `${method} ${path} ${res.status}`));
      stats.countKey(key);
      return res;
    };
    const rescue = (error: unknown): Response => {
      if (!(error instanceof MockHttpError)) throw error;
      return done(errorResponse(error, flavor));
    };
    return { done, rescue };
  };

  /** A GET route. Not async: a synchronous answer stays synchronous. */
  const get = (paths: string[], handler: (c: Context<Env>) => Response | Promise<Response>) => {
    for (const path of paths) {
      const { done, rescue } = outcome('GET', path, 'openai');
      app.get(path, (c) => {
        stats.requestsTotal++;
        try {
          const out = handler(c);
          return out instanceof Promise ? out.then(done, rescue) : done(out);
        } catch (error) {
          return rescue(error);
        }
      });
    }
  };

  /**
   * A POST route whose handler gets the validated JSON body (400 in the API's wording otherwise).
   * The common case costs one promise hop: reading the body.
   */
  const post = <S extends z.ZodType>(
    paths: string[],
    flavor: ErrorFlavor,
    schema: S,
    handler: (c: Context<Env>, req: z.infer<S>) => Response | Promise<Response>,
    quickCheck?: (body: Record<string, unknown>) => boolean,
  ) => {
    for (const path of paths) {
      const { done, rescue } = outcome('POST', path, flavor);
      const bodies = new BodyCache<z.infer<S>>();
      /** `raw`: the bytes `text` came from, if read before routing. `known`: the body, if getBytes knew them. */
      const answerBody = (c: Context<Env>, text: string, raw?: Buffer, known?: z.infer<S>): Response | Promise<Response> => {
        noteCanary(c, text, stats);
        try {
          const out = handler(c, known ?? bodies.get(text, raw) ?? bodies.set(text, parseBody(text, schema, quickCheck)));
          return out instanceof Promise ? out.then(done, rescue) : done(out);
        } catch (error) {
          return rescue(error);
        }
      };
      app.post(path, (c) => {
        stats.requestsTotal++;
        // Body already read by the server (server.ts): the whole answer can be synchronous.
        const raw = bufferedBody(c);
        if (raw !== undefined) {
          if (raw.length > opts.bodyLimitBytes) return rescue(tooLarge());
          // The same bytes as the body found last: no decoding, no lookup by text.
          const known = bodies.getBytes(raw);
          return known !== undefined ? answerBody(c, bodies.lastText, raw, known) : answerBody(c, utf8(raw), raw);
        }
        return bodyText(c).then(
          (text) => answerBody(c, text),
          // A client gone mid-body (a chunked upload cut short) is a disconnect, not the mock's failure.
          (error) => (requestCut(c) ? cutMidBody() : rescue(error)),
        );
      });
    }
  };

  const cutMidBody = (): Response => {
    stats.clientDisconnects++;
    return clientGoneResponse();
  };

  const tooLarge = () => new MockHttpError(413, `Request body too large: the limit is ${opts.bodyLimitBytes} bytes.`, null, 'request_too_large');

  /**
   * The body as text, refused (413) over --body-limit. With a Content-Length the header decides
   * before anything is read; a chunked body is counted as it arrives. (No global middleware: on
   * the hot path Hono then calls the handler directly.)
   */
  function bodyText(c: Context<Env>): Promise<string> {
    const length = header(c, 'content-length');
    if (length !== undefined && header(c, 'transfer-encoding') === undefined) {
      if (Number(length) > opts.bodyLimitBytes) return Promise.reject(tooLarge());
      return c.req.text();
    }
    return countedBody(c);
  }

  async function countedBody(c: Context<Env>): Promise<string> {
    const body = c.req.raw.body;
    if (!body) return '';
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.byteLength;
      if (size > opts.bodyLimitBytes) throw tooLarge();
      chunks.push(chunk);
    }
    return utf8(Buffer.concat(chunks));
  }

  function parseBody<S extends z.ZodType>(text: string, schema: S, quickCheck?: (body: Record<string, unknown>) => boolean): z.infer<S> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new MockHttpError(400, 'We could not parse the JSON body of your request. The API expects a JSON payload.', null, 'invalid_json');
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new MockHttpError(400, 'The request body must be a JSON object.', null, 'invalid_json');
    }
    // The common body passes a hand check; zod decides (and words the 400) for everything else.
    if (quickCheck?.(json as Record<string, unknown>)) return json as z.infer<S>;
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw fromZodError(parsed.error, json);
    return parsed.data;
  }

  /** Resolves true at `deadline`, or false as soon as the client goes away. */
  function waitUntil(c: Context<Env>, deadline: number): Promise<boolean> {
    const { promise, task } = scheduler.sleep(deadline);
    const gone = onClientGone(c, () => {
      scheduler.cancel(task);
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
    let grantedNow = false;
    let resolveLater: ((at: number | null) => void) | null = null;
    let gone: Gone | null = null;
    const arrived = scheduler.now();
    const waiter = limiter.acquire((freedAt) => {
      if (!resolveLater) {
        grantedNow = true;
        return;
      }
      stats.queued--;
      gone?.detach();
      // Service starts when the slot was due to free, not when a late timer noticed: a slot serves
      // exactly one latency per request, so 20 slots of 50 ms take 400 requests a second, not fewer.
      resolveLater(freedAt === null ? scheduler.now() : Math.max(arrived, freedAt));
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

  /** Ends a model request's accounting (in-flight count and its --max-concurrency slot). */
  function release(queued: boolean, endsAt: number | null = null): void {
    stats.inFlight--;
    if (queued) limiter.release(endsAt);
  }

  /** Runs the latency/fault model around one answer: admission, delay, error, abort, body or stream. */
  function answer(c: Context<Env>, plan: RequestPlan, spec: AnswerSpec): Response | Promise<Response> {
    stats.inFlight++;
    const queued = opts.maxConcurrency > 0;
    // Admitted now: the clock is read only if a delay or a stream needs it.
    if (!queued) return admitted(c, plan, spec, null, false);
    return Promise.resolve(admit(c)).then((at) => {
      if (at !== null) return admitted(c, plan, spec, at, true);
      stats.clientDisconnects++;
      stats.inFlight--;
      return clientGoneResponse();
    });
  }

  /** `admittedAt` null: just now. */
  function admitted(c: Context<Env>, plan: RequestPlan, spec: AnswerSpec, admittedAt: number | null, queued: boolean): Response | Promise<Response> {
    if (spec.stream && plan.errorStatus === null) return startStream(c, plan, spec, admittedAt ?? scheduler.now(), queued);
    const delay = plan.firstTokenDelayMs + (plan.stallAt !== null ? plan.stallMs : 0);
    if (plan.stallAt !== null && plan.errorStatus === null) stats.stallsInjected++;
    // No delay (throughput benchmarks): answer synchronously, no timer, no close listener.
    if (delay <= 0) return whole(c, plan, spec, queued);
    const at = admittedAt ?? scheduler.now();
    return waitUntil(c, at + delay).then((ok) => {
      if (ok) return whole(c, plan, spec, queued, at + delay);
      stats.clientDisconnects++;
      release(queued);
      return clientGoneResponse();
    });
  }

  function whole(c: Context<Env>, plan: RequestPlan, spec: AnswerSpec, queued: boolean, endsAt: number | null = null): Response {
    release(queued, endsAt);
    if (plan.errorStatus !== null) {
      stats.errorsInjected++;
      const error = injectedError(plan.errorStatus, opts.retryAfterS);
      error.headers[requestIdHeader(spec.kind === 'message' ? 'anthropic' : 'openai')] = `req_${plan.id}`;
      throw error;
    }
    if (plan.abortAfter !== null) {
      stats.abortsInjected++;
      return cutConnection(c);
    }
    const body = renderWhole(spec, plan, opts.seed);
    stats.tokensSent += plan.outputTokens;
    const id = `req_${plan.id}`;
    let headers: Record<string, string>;
    if (spec.kind === 'message') headers = { 'content-type': 'application/json', 'request-id': id };
    else if (spec.wholeExtraBytes === undefined) headers = { 'content-type': 'application/json', 'x-request-id': id };
    else headers = { 'content-type': 'application/json', 'x-request-id': id, 'content-length': String(body.length + spec.wholeExtraBytes) };
    return new Response(body, { status: 200, headers });
  }

  function startStream(c: Context<Env>, plan: RequestPlan, spec: AnswerSpec, at: number, queued: boolean): Response | Promise<Response> {
    const headers = { ...SSE_HEADERS, [requestIdHeader(spec.kind === 'message' ? 'anthropic' : 'openai')]: `req_${plan.id}` };
    const outgoing = CAN_WRITE_DIRECTLY ? c.env?.outgoing : undefined;
    const sink: Sink = outgoing ? new NodeSink(outgoing, headers) : new WebSink(headers, c.req.raw.signal);
    const item = { stop: () => {} };
    rt.live.add(item);
    const stream = new TokenStream(plan, renderStream(spec, plan), sink, {
      opts,
      scheduler,
      stats,
      onDone: () => {
        rt.live.delete(item);
        release(queued);
      },
    });
    item.stop = () => {
      sink.abort();
      stream.finish();
    };
    stream.begin(at);
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

  /** Plans a model request (draws its sequence number) with the request's x-mock-* headers. */
  const planner = (c: Context<Env>) => (promptTokens: number, maxTokens: number | null | undefined) =>
    planRequest(opts, { seq: rt.seq++, promptTokens, maxTokens, overrides: readOverrides(c) });

  post(['/v1/chat/completions', '/chat/completions'], 'openai', ChatCompletionRequest, (c, req) => {
    const extended = extendedChat(req, planner(c));
    if (extended) return answer(c, extended.plan, extended.spec);
    const promptTokens = estimateChatPromptTokens(req.messages);
    const plan = planRequest(opts, {
      seq: rt.seq++,
      promptTokens,
      maxTokens: req.max_completion_tokens ?? req.max_tokens,
      overrides: readOverrides(c),
    });
    return answer(c, plan, {
      kind: 'chat',
      stream: req.stream === true,
      model: req.model,
      promptTokens,
      includeUsage: req.stream_options?.include_usage === true,
      wholeExtraBytes: modelJsonExtraBytes(req.model),
    });
  }, isSimpleChatRequest);

  post(['/v1/completions', '/completions'], 'openai', CompletionRequest, (c, req) => {
    const promptTokens = estimateInputTokens(req.prompt);
    const plan = planRequest(opts, { seq: rt.seq++, promptTokens, maxTokens: req.max_tokens, overrides: readOverrides(c) });
    return answer(c, plan, {
      kind: 'completion',
      stream: req.stream === true,
      model: req.model,
      promptTokens,
      includeUsage: req.stream_options?.include_usage === true,
    });
  });

  post(['/v1/embeddings', '/embeddings'], 'openai', EmbeddingRequest, (c, req) => {
    const inputs: unknown[] =
      typeof req.input === 'string' || typeof req.input[0] === 'number' ? [req.input] : (req.input as unknown[]);
    if (inputs.length > MAX_EMBEDDING_INPUTS) {
      throw new MockHttpError(400, `Invalid value for 'input': at most ${MAX_EMBEDDING_INPUTS} inputs per request, got ${inputs.length}.`, 'input', 'invalid_value');
    }
    const dimensions = req.dimensions ?? opts.embeddingDimensions;
    // The answer grows with inputs x dimensions: refuse what would take hundreds of MB to build.
    if (inputs.length * dimensions > MAX_EMBEDDING_VALUES) {
      const param = req.dimensions != null ? 'dimensions' : 'input';
      throw new MockHttpError(
        400,
        `Invalid value for '${param}': ${inputs.length} inputs x ${dimensions} dimensions is ${inputs.length * dimensions} numbers; the mock answers at most ${MAX_EMBEDDING_VALUES} per request.`,
        param,
        'invalid_value',
      );
    }
    const promptTokens = estimateInputTokens(req.input);
    const plan = planRequest(opts, { seq: rt.seq++, promptTokens, overrides: readOverrides(c) });
    plan.outputTokens = 0;
    return answer(c, plan, {
      kind: 'embedding',
      stream: false,
      model: req.model,
      promptTokens,
      includeUsage: false,
      embedding: { inputs, dimensions, base64: req.encoding_format === 'base64' },
    });
  });

  post(['/v1/responses', '/responses'], 'openai', ResponsesRequest, (c, req) => {
    const { plan, spec } = responsesRoute(req, planner(c));
    return answer(c, plan, spec);
  }, isSimpleResponsesRequest);

  post(['/v1/messages', '/messages'], 'anthropic', MessagesRequest, (c, req) => {
    const extended = extendedMessage(req, planner(c));
    if (extended) return answer(c, extended.plan, extended.spec);
    const inputTokens = estimateChatPromptTokens(req.messages, req.system ?? undefined);
    const plan = planRequest(opts, { seq: rt.seq++, promptTokens: inputTokens, maxTokens: req.max_tokens, overrides: readOverrides(c) });
    return answer(c, plan, { kind: 'message', stream: req.stream === true, model: req.model, promptTokens: inputTokens, includeUsage: false });
  });

  post(['/v1/messages/count_tokens', '/messages/count_tokens'], 'anthropic', CountTokensRequest, (_c, req) =>
    new Response(countTokensResponse(req), { status: 200, headers: { ...JSON_HEADERS, 'request-id': newRequestId() } }),
  );

  const modelsJson = modelsBody(opts.models);
  get(['/v1/models', '/models'], () => new Response(modelsJson, { status: 200, headers: { ...JSON_HEADERS, 'x-request-id': newRequestId() } }));
  // Any id is served (the mock answers for every model name), so a gateway's model lookup never fails;
  // only an id that cannot be a model name (control characters, line breaks) is unknown.
  get(['/v1/models/:id{.+}', '/models/:id{.+}'], (c) => {
    const id = c.req.param('id') ?? '';
    if (NOT_A_MODEL_ID.test(id)) throw modelNotFound(id);
    return new Response(JSON.stringify(modelObject(id)), { status: 200, headers: { ...JSON_HEADERS, 'x-request-id': newRequestId() } });
  });

  // --- operational routes -------------------------------------------------------------------

  /** This process's numbers, or with --workers every worker's added up. */
  const view = (render: (snap?: StatsSnapshot) => Response) => () => (rt.collect ? rt.collect().then(render) : render());
  get(['/health'], view((snap) => Response.json({ status: 'ok', requests: snap?.requestsTotal ?? stats.requestsTotal })));
  get(['/stats'], view((snap) => Response.json(stats.toJSON(snap))));
  get(['/metrics'], view((snap) =>
    new Response(stats.toPrometheus(snap), { status: 200, headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } }),
  ));

  // --- everything else ----------------------------------------------------------------------

  const KNOWN = new Set([
    '/v1/chat/completions', '/chat/completions', '/v1/completions', '/completions', '/v1/embeddings', '/embeddings',
    '/v1/messages', '/messages', '/v1/models', '/models', '/health', '/stats', '/metrics',
    '/v1/responses', '/responses', '/v1/messages/count_tokens', '/messages/count_tokens',
  ]);
  app.notFound((c) => {
    stats.requestsTotal++;
    const path = c.req.path;
    const flavor: ErrorFlavor = path.endsWith('/messages') || path.endsWith('/messages/count_tokens') ? 'anthropic' : 'openai';
    // Hono's `.+` stops at a line break: such an id lands here, and is unknown as in the route.
    const model = /^(\/v1)?\/models\/([\s\S]+)$/.exec(path);
    if (model && c.req.method === 'GET') {
      stats.count('GET', `${model[1] ?? ''}/models/:id{.+}`, 404);
      return errorResponse(modelNotFound(model[2]), 'openai');
    }
    if (KNOWN.has(path) || model) {
      stats.count(c.req.method, 'method-not-allowed', 405);
      const error = new MockHttpError(405, `Method ${c.req.method} is not allowed on ${path}.`, null, 'method_not_allowed');
      return new Response(error.body(flavor), { status: 405, headers: { ...JSON_HEADERS, [requestIdHeader(flavor)]: newRequestId(), allow: path.startsWith('/v1/models') || path.startsWith('/models') || ['/health', '/stats', '/metrics'].includes(path) ? 'GET' : 'POST' } });
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

const NOT_A_MODEL_ID = /[\u0000-\u001f\u007f\u2028\u2029]/;

/** OpenAI's answer for a model id it does not know. */
function modelNotFound(id: string): MockHttpError {
  return new MockHttpError(404, `The model \`${id}\` does not exist or you do not have access to it.`, null, 'model_not_found');
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

/** Whether the request's body was cut short by its client (its socket closed before the end). */
function requestCut(c: Context<Env>): boolean {
  const incoming = c.env?.incoming;
  if (incoming) return !incoming.complete && (incoming.destroyed || incoming.readableAborted);
  return c.req.raw.signal.aborted;
}

function clientGoneResponse(): Response {
  // Nobody reads it; 499 is nginx's "client closed request", so /stats shows what happened.
  return new Response(null, { status: 499 });
}

/** The body startMockServer read before routing, if it did (`rawBody`, as @hono/node-server calls it). */
function bufferedBody(c: Context<Env>): Buffer | undefined {
  const raw = (c.env?.incoming as { rawBody?: unknown } | undefined)?.rawBody;
  return raw instanceof Buffer ? raw : undefined;
}

/** UTF-8 text as c.req.text() decodes it (TextDecoder drops a leading BOM), whichever way the body came. */
function utf8(raw: Buffer): string {
  const text = raw.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Records a request that carries a canary id, so the bench runner can tell that its readiness
 * requests went through the proxy to this mock. The header may be dropped by a gateway; the mark in
 * the prompt travels in the body, which every gateway forwards. One substring search per request.
 */
function noteCanary(c: Context<Env>, text: string, stats: MockStats): void {
  const fromHeader = header(c, CANARY_HEADER);
  const at = text.indexOf(CANARY_MARK);
  if (fromHeader === undefined && at < 0) return;
  let fromBody: string | undefined;
  if (at >= 0) {
    const end = text.indexOf(']', at);
    if (end > at) fromBody = text.slice(at + CANARY_MARK.length, end);
  }
  const headerId = fromHeader !== undefined && CANARY_ID.test(fromHeader) ? fromHeader : undefined;
  const bodyId = fromBody !== undefined && CANARY_ID.test(fromBody) ? fromBody : undefined;
  const id = headerId ?? bodyId;
  if (id !== undefined) stats.recordCanary(id, headerId === id, bodyId === id);
}

/** A request header; straight from Node's parsed headers when served by @hono/node-server. */
function header(c: Context<Env>, name: string): string | undefined {
  const incoming = c.env?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function hasMockHeaders(c: Context<Env>): boolean {
  const incoming = c.env?.incoming;
  if (incoming) {
    for (const name in incoming.headers) if (name.startsWith('x-mock-')) return true;
    return false;
  }
  for (const [name] of c.req.raw.headers) if (name.startsWith('x-mock-')) return true;
  return false;
}

function durationHeader(c: Context<Env>, name: string): number | undefined {
  const raw = header(c, name);
  if (raw === undefined) return undefined;
  const ms = parseDurationMs(raw, 'ms');
  if (ms === null) throw new MockHttpError(400, `Invalid ${name} header '${raw}': expected a duration like 200ms or 1s.`, name, 'invalid_mock_header');
  if (ms > MAX_DELAY_MS) {
    throw new MockHttpError(400, `Invalid ${name} header '${raw}': at most ${formatDurationMs(MAX_DELAY_MS)}.`, name, 'invalid_mock_header');
  }
  return ms;
}

function intHeader(c: Context<Env>, name: string, min: number, max: number): number | undefined {
  const raw = header(c, name);
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!(n >= min && n <= max)) {
    throw new MockHttpError(400, `Invalid ${name} header '${raw}': expected an integer from ${min} to ${max}.`, name, 'invalid_mock_header');
  }
  return n;
}

/** The x-mock-* headers of a request (undefined when it has none, the common case). */
function readOverrides(c: Context<Env>): Overrides | undefined {
  if (!hasMockHeaders(c)) return undefined;
  const o: Overrides = {
    latencyMs: durationHeader(c, 'x-mock-latency'),
    itlMs: durationHeader(c, 'x-mock-itl'),
    tokens: intHeader(c, 'x-mock-tokens', 0, MAX_OUTPUT_TOKENS),
    errorStatus: intHeader(c, 'x-mock-error', 400, 599),
    abortAfter: intHeader(c, 'x-mock-abort', 0, 1_000_000),
    stallMs: durationHeader(c, 'x-mock-stall'),
  };
  for (const key of Object.keys(o) as (keyof Overrides)[]) if (o[key] === undefined) delete o[key];
  return o;
}
