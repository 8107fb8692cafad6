// Proof of the path before the load: a few real requests of the scenario's shape go through the
// target with the configured headers and key, and each must come back 2xx with a valid body and
// must have reached this run's mock (a canary id in a header and in the prompt, counted in the
// mock's /stats). A proxy that cannot reach the mock, routes elsewhere or mangles the answer is
// refused in seconds, before anything is measured or written.
import { randomBytes } from 'node:crypto';
import { analyseStream, checkCompletion } from '../k6/lib/completion.ts';
import { DEFAULTS } from '../k6/lib/config.ts';
import { chatBody, requestHeaders } from '../k6/lib/payload.ts';
import { CANARY_HEADER, CANARY_MARK } from '../mock/stats.ts';
import { BenchError } from './errors.ts';

/** Valid answers needed through the target before the load... */
export const PROBE_REQUESTS = 2;
/** ...out of at most this many requests. */
export const PROBE_ATTEMPTS = 6;
/** Bytes of a refused answer shown to the user. */
export const SHOWN_BODY_BYTES = 300;

export interface ReadinessOptions {
  /** The target's base URL (no trailing slash). */
  target: string;
  endpoint: string;
  scenario: string;
  model: string;
  maxTokens: number | null;
  apiKey: string;
  headers: Record<string, string>;
  /** The mock this run started, which must see the requests. */
  mockUrl: string;
  /** Whether the user fixed the mock's port (--mock-port). */
  mockPortGiven: boolean;
  /** Per request; the mock's own latency comes on top of a few seconds. */
  timeoutMs: number;
  redact: (text: string) => string;
  signal?: AbortSignal;
}

/** What the bench options say about the probes (the scenario's defaults where a flag is absent). */
export function readinessFor(
  opts: {
    scenario: string; endpoint: string | null; model: string | null; maxTokens: number | null; apiKey: string | null;
    headers: Record<string, string>; mockArgs: string[]; mockSettings: { latency?: number | null; itl?: number | null; tokens?: number | null };
  },
  target: string,
  mockUrl: string,
  redact: (text: string) => string,
  signal?: AbortSignal,
): ReadinessOptions {
  const m = opts.mockSettings;
  // The mock's own answer time (first token, then every token) on top of a few seconds.
  const answerMs = ((m.latency ?? 0) + (m.tokens ?? 0) * (m.itl ?? 0)) / 1e6;
  const randomPort = opts.mockArgs.some((arg, i) => arg === '--port' && opts.mockArgs[i + 1] === '0');
  return {
    target,
    endpoint: opts.endpoint ?? DEFAULTS.ENDPOINT,
    scenario: opts.scenario,
    model: opts.model ?? DEFAULTS.MODEL,
    maxTokens: opts.maxTokens,
    apiKey: opts.apiKey ?? DEFAULTS.API_KEY,
    headers: opts.headers,
    mockUrl,
    mockPortGiven: !randomPort,
    timeoutMs: Math.round(10_000 + 2 * answerMs),
    redact,
    signal,
  };
}

export const newCanaryId = (): string => `r${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;

/** UTF-8 text cut to at most `bytes` bytes (never inside a character). */
export function firstBytes(text: string, bytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= bytes) return text;
  let end = bytes;
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

interface Answer {
  status: number;
  statusText: string;
  body: string;
}

/**
 * Sends probes until PROBE_REQUESTS of them came back valid (at most PROBE_ATTEMPTS, so a gateway
 * that fails some requests is benchmarked and one that fails all is refused), then checks that the
 * mock saw each valid one. Throws a BenchError saying why and what to do.
 */
export async function provePath(opts: ReadinessOptions, canary = newCanaryId()): Promise<{ canary: string; viaHeader: boolean; attempts: number }> {
  const stream = opts.scenario === 'streaming';
  const url = opts.target + opts.endpoint;
  const headers = { ...requestHeaders({ apiKey: opts.apiKey, headers: opts.headers }, stream), [CANARY_HEADER]: canary };
  let passed = 0;
  let attempts = 0;
  let last: BenchError | null = null;
  while (passed < PROBE_REQUESTS && attempts < PROBE_ATTEMPTS) {
    attempts++;
    const prompt = `Reply with one short sentence about load testing. ${CANARY_MARK}${canary}] (readiness ${attempts})`;
    let answer: Answer;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body: chatBody({ model: opts.model, maxTokens: opts.maxTokens }, prompt, stream),
        signal: opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]) : AbortSignal.timeout(opts.timeoutMs),
        redirect: 'manual',
      });
      answer = { status: res.status, statusText: res.statusText, body: await res.text() };
    } catch (error) {
      if (opts.signal?.aborted) throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const timedOut = (error as Error).name === 'TimeoutError';
      const why = timedOut ? `no answer within ${opts.timeoutMs / 1000} s` : (cause?.code ?? cause?.message ?? (error as Error).message);
      last = refusal(opts, `POST ${url} failed (${why})`, null, transportCause(opts, why));
      if (timedOut) break; // one hang is proof enough, and waiting again takes long
      continue;
    }
    const verdict = judgeAnswer(answer, stream);
    if (verdict) {
      last = refusal(opts, `POST ${url} answered ${answer.status}${answer.statusText ? ` ${answer.statusText}` : ''}${verdict.what ? `, ${verdict.what}` : ''}`, answer.body, verdict.cause(opts));
    } else passed++;
  }
  if (passed < PROBE_REQUESTS) {
    if (last && attempts > 1) last.message = last.message.replace(/^target refused before the load: /, `target refused before the load (${passed} of ${attempts} requests valid): `);
    throw last!;
  }
  const seen = await canaryCount(opts.mockUrl, canary);
  if (seen === null) throw new BenchError(`readiness: the mock at ${opts.mockUrl} did not answer /stats; it may have exited`);
  if (seen.requests < passed) {
    throw refusal(
      opts,
      `POST ${url} answered ${passed} valid completions, but this run's mock saw ${seen.requests} of them`,
      null,
      `the proxy answers from another upstream (another mock or server, a cache, a real provider), not from this run's mock. ${upstreamHint(opts)}`,
    );
  }
  return { canary, viaHeader: seen.header >= passed, attempts };
}

interface Verdict {
  what: string;
  cause: (opts: ReadinessOptions) => string;
}

/** Null when the answer is a valid completion of the scenario's shape. */
export function judgeAnswer(answer: Answer, stream: boolean): Verdict | null {
  const { status } = answer;
  if (status === 401 || status === 403) return { what: '', cause: () => 'the proxy refused the credentials: pass its key with --api-key (or BENCH_API_KEY) and any header it needs with --header' };
  if (status === 404 || status === 405) return { what: '', cause: (o) => `${o.endpoint} is not a route of the proxy: set its path with --endpoint` };
  if (status === 429) return { what: '', cause: () => 'the proxy rate-limits the benchmark: raise its limits for the benchmark key' };
  if (status >= 500) return { what: '', cause: (o) => `the proxy most likely cannot reach the mock. ${upstreamHint(o)}` };
  if (status < 200 || status >= 300) return { what: '', cause: (o) => `expected a 2xx answer from a chat completion. ${upstreamHint(o)}` };
  if (stream) {
    const s = analyseStream(answer.body);
    if (!s.done) return { what: 'but the stream did not end with data: [DONE]', cause: () => 'the proxy cut or rewrote the event stream (does it buffer or transform streamed answers?)' };
    if (s.events <= 1 || s.invalidJson > 0) return { what: 'but not every stream event is valid JSON', cause: () => 'the proxy changed the event stream' };
    if (s.errorEvent) return { what: 'but the stream carried an error event', cause: (o) => `the proxy reported an error inside the stream. ${upstreamHint(o)}` };
    if (s.contentChunks === 0) return { what: 'but the stream had no content', cause: () => 'the proxy dropped the content deltas' };
    return null;
  }
  const c = checkCompletion(answer.body);
  if (!c.json) return { what: 'but the body is not JSON', cause: () => 'the proxy did not answer with a chat completion' };
  if (!c.content) return { what: 'but choices[0].message.content is empty', cause: () => 'the proxy did not answer with a chat completion' };
  if (!c.usage) return { what: 'but the completion has no usage', cause: () => 'the proxy dropped the usage object, which every benchmark request is checked for' };
  return null;
}

function transportCause(opts: ReadinessOptions, why: string): string {
  if (/ECONNREFUSED/.test(why)) return `nothing listens at ${opts.target} any more (the proxy stopped?)`;
  if (/no answer within/.test(why)) return `the proxy accepted the request and never answered: it most likely waits for an upstream it cannot reach. ${upstreamHint(opts)}`;
  return `the connection to the proxy failed. ${upstreamHint(opts)}`;
}

/** Where the mock listens and how a proxy is pointed at it. */
export function upstreamHint(opts: Pick<ReadinessOptions, 'mockUrl' | 'mockPortGiven'>): string {
  const port = new URL(opts.mockUrl).port;
  return [
    `This run's mock listens on ${opts.mockUrl}: the proxy's upstream must be that URL ($MOCK_URL in --target-cmd).`,
    `A gateway that routes by a request header needs that URL in the header (--header)${opts.mockPortGiven ? '' : `, or a fixed mock port (--mock-port ${port === '8080' ? '8080' : 'PORT'})`}.`,
  ].join(' ');
}

function refusal(opts: ReadinessOptions, what: string, body: string | null, cause: string): BenchError {
  const lines = [`target refused before the load: ${what}`];
  if (body !== null) {
    const shown = firstBytes(opts.redact(body), SHOWN_BODY_BYTES);
    lines.push(`  body: ${shown === '' ? '(empty)' : JSON.stringify(shown)}${Buffer.byteLength(body) > SHOWN_BODY_BYTES ? ' …' : ''}`);
  }
  lines.push(`  likely cause: ${cause}`, '  nothing was measured and no result was written');
  return new BenchError(opts.redact(lines.join('\n')));
}

async function canaryCount(mockUrl: string, canary: string): Promise<{ requests: number; header: number; body: number } | null> {
  try {
    const res = await fetch(`${mockUrl}/stats`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return null;
    const stats = (await res.json()) as { canaries?: Record<string, { requests: number; header: number; body: number }> };
    return stats.canaries?.[canary] ?? { requests: 0, header: 0, body: 0 };
  } catch {
    return null;
  }
}
