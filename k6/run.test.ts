// Runs the real bundles end to end against the mock: under the embedded engine always, under a
// k6 binary when one is on PATH (or K6_BIN). Small request counts: this checks behaviour
// (files, checks, metrics, exit codes), not speed.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMock } from '../mock/index.ts';
import { findK6 } from '../runner/engines/engine-select.ts';
import { resultFromSummary } from '../reporter/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'llmux-bench.mjs');

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runProcess(command: string, args: string[], timeoutMs = 60_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    // No system env in __ENV beyond PATH/HOME: a stray TARGET or NAME in the shell must not leak in.
    const child = spawn(command, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const envArgs = (env: Record<string, string>) => Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);

let work: string;
let bundles: string;
let mock: RunningMock;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'llmux-k6-run-'));
  bundles = join(work, 'dist');
  const build = await runProcess(process.execPath, [join(ROOT, 'build.mjs'), '--outdir', bundles]);
  expect(build.code, build.stderr).toBe(0);
  mock = await startMockServer({ port: 0, latencyMs: 10, itlMs: 1, tokens: 8 });
});

afterAll(async () => {
  await mock?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Summary {
  metrics: Record<string, { type: string; values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }>;
  root_group: { checks: { name: string; passes: number; fails: number }[] };
  setup_data: { start_time: string; run_id: string };
  llmux: Record<string, unknown>;
}

/** `llmux-bench engine run -q -e ... <bundle>`; returns the outcome and the summary file. */
async function engineRun(scenario: string, name: string, env: Record<string, string>) {
  const outcome = await runProcess(process.execPath, [
    BIN,
    'engine',
    'run',
    '-q',
    ...envArgs({ TARGET: mock.url, OUTPUT: work, NAME: name, ...env }),
    join(bundles, `${scenario}.js`),
  ]);
  const file = join(work, `${name}.summary.json`);
  const summary = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Summary) : null;
  return { ...outcome, summary, file };
}

const count = (s: Summary, metric: string) => s.metrics[metric]?.values.count ?? 0;

describe('under the embedded engine', () => {
  it('basic: every request checked, summary file with llmux metadata, no secrets', async () => {
    const run = await engineRun('basic', 'basic-run', {
      REQUESTS: '30',
      CONCURRENCY: '3',
      API_KEY: 'sk-must-not-leak',
      HEADERS: '{"X-Secret":"hidden-header-value"}',
    });
    expect(run.code, run.stderr).toBe(0);
    const s = run.summary!;
    expect(s).not.toBeNull();
    expect(count(s, 'http_reqs')).toBe(30);
    expect(count(s, 'iterations')).toBe(30);
    expect(s.root_group.checks.map((c) => [c.name, c.passes, c.fails])).toEqual([
      ['status is 200', 30, 0],
      ['body is JSON', 30, 0],
      ['content is non-empty', 30, 0],
      ['usage is present', 30, 0],
    ]);
    expect(s.metrics.checks.values.rate).toBe(1);
    expect(s.metrics.http_req_failed.thresholds).toEqual({ 'rate<0.01': { ok: true } });
    expect(count(s, 'llm_errors')).toBe(0);
    expect(Object.keys(s.metrics['http_req_duration'].values).sort()).toEqual(
      ['avg', 'count', 'max', 'med', 'min', 'p(50)', 'p(90)', 'p(95)', 'p(99)'].sort(),
    );
    expect(s.llmux).toMatchObject({
      scenario: 'basic',
      name: 'basic-run',
      target: mock.url,
      endpoint: '/v1/chat/completions',
      model: 'gpt-4o',
      requests: 30,
      concurrency: 3,
      duration_s: 0,
      rate: null,
      warmup_s: 0,
      start_time: s.setup_data.start_time,
    });
    expect(Date.parse(s.llmux.end_time as string)).toBeGreaterThanOrEqual(Date.parse(s.setup_data.start_time));
    expect(run.stdout).toContain('LLMux Bench: basic scenario "basic-run"');
    expect(run.stdout).toContain('✓ status is 200');
    for (const text of [readFileSync(run.file, 'utf8'), run.stdout, run.stderr]) {
      expect(text).not.toContain('sk-must-not-leak');
      expect(text).not.toContain('hidden-header-value');
    }
  });

  it('streaming: TTFT, ITL, tokens and stream_ok for every request', async () => {
    const run = await engineRun('streaming', 'stream-run', { REQUESTS: '20', CONCURRENCY: '2' });
    expect(run.code, run.stderr).toBe(0);
    const s = run.summary!;
    expect(count(s, 'http_reqs')).toBe(20);
    expect(s.metrics.stream_ok.values).toMatchObject({ rate: 1, passes: 20, fails: 0 });
    expect(count(s, 'output_tokens')).toBe(160);
    for (const trend of ['ttft', 'stream_duration', 'itl', 'tokens_per_second']) expect(count(s, trend), trend).toBe(20);
    // The mock takes at least 10 ms + 7 × 1 ms per stream. How that splits into waiting and
    // receiving depends on when a loaded event loop notices the write, so only the whole is bounded.
    expect(s.metrics.stream_duration.values.min).toBeGreaterThanOrEqual(9);
    expect(s.metrics.ttft.values.max).toBeLessThanOrEqual(s.metrics.stream_duration.values.max);
    expect(s.metrics.ttft.values.avg).toBeGreaterThan(0);
    expect(s.root_group.checks.every((c) => c.passes === 20 && c.fails === 0)).toBe(true);
    // Integrity checks only: usage agreement is the usage_mismatch counter, never a failed check.
    expect(s.root_group.checks.map((c) => c.name)).toEqual(['status is 200', 'stream ends with [DONE]', 'every event is valid JSON', 'content is non-empty']);
    expect(count(s, 'usage_mismatch')).toBe(0);
  });

  it('streaming-sse: per-token TTFT, ITL per gap, TPOT; the reporter reads them as sse-events', async () => {
    const run = await engineRun('streaming-sse', 'sse-run', { REQUESTS: '20', CONCURRENCY: '2' });
    expect(run.code, run.stderr).toBe(0);
    const s = run.summary!;
    expect(count(s, 'http_reqs')).toBe(20);
    expect(s.metrics.stream_ok.values).toMatchObject({ rate: 1, passes: 20, fails: 0 });
    expect(s.metrics.stream_ok.thresholds).toEqual({ 'rate>0.99': { ok: true } });
    expect(count(s, 'output_tokens')).toBe(160);
    for (const trend of ['ttft', 'stream_duration', 'tpot', 'tokens_per_second']) expect(count(s, trend), trend).toBe(20);
    // 8 content deltas per stream: 7 gaps each.
    expect(count(s, 'itl')).toBe(140);
    // The mock waits 10 ms before the first token and 1 ms between tokens.
    expect(s.metrics.ttft.values.min).toBeGreaterThanOrEqual(9);
    expect(s.metrics.ttft.values.max).toBeLessThanOrEqual(s.metrics.stream_duration.values.max);
    expect(s.root_group.checks.map((c) => [c.name, c.passes, c.fails])).toEqual([
      ['status is 200', 20, 0],
      ['stream ends with [DONE]', 20, 0],
      ['every event is valid JSON', 20, 0],
      ['content is non-empty', 20, 0],
    ]);
    // Usage accuracy is counted apart, never a failed check: the mock's usage always agrees.
    expect(s.metrics.usage_mismatch?.values.count).toBe(0);
    expect(count(s, 'sse_event')).toBeGreaterThanOrEqual(20 * 10);
    expect(s.llmux).toMatchObject({ scenario: 'streaming', name: 'sse-run', timing_source: 'sse-events' });

    const { result, warnings } = resultFromSummary(s);
    expect(warnings).toEqual([]);
    expect(result).toMatchObject({ scenario: 'streaming', total_requests: 20, success_requests: 20, failed_requests: 0 });
    const st = result.streaming!;
    expect(st.timing_source).toBe('sse-events');
    for (const key of ['ttft_p50', 'ttft_p90', 'ttft_p95', 'ttft_p99', 'itl_p50', 'itl_p90', 'itl_p95', 'itl_p99', 'tpot_p50', 'tpot_p99'] as const) {
      expect(st[key], key).not.toBeNull();
    }
    expect(st.ttft_p50!).toBeLessThanOrEqual(st.ttft_p99!);
    expect(st.itl_p50!).toBeLessThanOrEqual(st.itl_p99!);
    // Latency of successful requests: xk6-sse tags no expected_response, the bundle's stream_duration is used.
    expect(result.latency_p50).toBe(Math.round(s.metrics.stream_duration.values['p(50)'] * 1e6));
  });

  it('streaming-sse: cut streams, timeouts and HTTP errors are classified like streaming.js', async () => {
    const cut = await engineRun('streaming-sse', 'sse-cut', { REQUESTS: '2', CONCURRENCY: '1', HEADERS: 'x-mock-abort: 3', THRESHOLDS: 'off' });
    expect(cut.code, cut.stderr).toBe(0);
    expect(count(cut.summary!, 'llm_errors_connection')).toBe(2);
    expect(count(cut.summary!, 'ttft')).toBe(0);
    const slow = await engineRun('streaming-sse', 'sse-slow', { REQUESTS: '2', CONCURRENCY: '2', HEADERS: 'x-mock-latency: 3000', TIMEOUT: '300ms', THRESHOLDS: 'off' });
    expect(count(slow.summary!, 'llm_errors_timeout')).toBe(2);
    const http = await engineRun('streaming-sse', 'sse-503', { REQUESTS: '3', CONCURRENCY: '1', HEADERS: 'x-mock-error: 503' });
    // The default error-rate threshold bounds failed streams (xk6-sse emits no http_req_failed).
    expect(http.code).toBe(99);
    expect(count(http.summary!, 'llm_errors_http_5xx')).toBe(3);
    expect(http.summary!.metrics.stream_ok.thresholds).toEqual({ 'rate>0.99': { ok: false } });
    const dead = await engineRun('streaming-sse', 'sse-dead', { REQUESTS: '1', CONCURRENCY: '1', TARGET: 'http://127.0.0.1:1', THRESHOLDS: 'off' });
    expect(count(dead.summary!, 'llm_errors_connection')).toBe(1);
  });

  it('concurrency: per-plateau submetrics, errors counted but not fatal', async () => {
    const run = await engineRun('concurrency', 'conc-run', {
      CONCURRENCY: '8',
      DURATION: '2s',
      HEADERS: 'x-mock-error: 503',
    });
    expect(run.code, run.stderr).toBe(0);
    const s = run.summary!;
    let perPlateau = 0;
    for (const vus of [1, 2, 4, 8]) {
      expect(s.metrics, `plateau ${vus}`).toHaveProperty([`http_req_duration{plateau:${vus}}`]);
      expect(s.metrics).toHaveProperty([`http_req_failed{plateau:${vus}}`]);
      perPlateau += count(s, `http_reqs{plateau:${vus}}`);
    }
    expect(perPlateau).toBeGreaterThan(0);
    expect(perPlateau).toBeLessThanOrEqual(count(s, 'http_reqs'));
    expect(count(s, 'llm_errors_http_5xx')).toBe(count(s, 'http_reqs'));
    expect(count(s, 'llm_errors{plateau:8}')).toBe(count(s, 'http_reqs{plateau:8}'));
    expect(s.llmux).toMatchObject({ scenario: 'concurrency', concurrency: 8, duration_s: 2 });
  });

  it('classifies failures by kind and fails the default thresholds (exit 99)', async () => {
    const run = await engineRun('basic', 'err-run', { REQUESTS: '6', CONCURRENCY: '2', HEADERS: 'x-mock-error: 429' });
    expect(run.code).toBe(99);
    const s = run.summary!;
    expect(count(s, 'llm_errors_http_429')).toBe(6);
    expect(count(s, 'llm_errors')).toBe(6);
    expect(s.metrics.http_req_failed.thresholds).toEqual({ 'rate<0.01': { ok: false } });
    expect(run.stdout).toContain('✗ http_req_failed: rate<0.01');

    const off = await engineRun('basic', 'err-run-off', { REQUESTS: '2', CONCURRENCY: '1', HEADERS: 'x-mock-error: 500', THRESHOLDS: 'off' });
    expect(off.code).toBe(0);
    expect(count(off.summary!, 'llm_errors_http_5xx')).toBe(2);
  });

  it('timeouts and cut streams have their own kinds', async () => {
    const slow = await engineRun('streaming', 'timeout-run', {
      REQUESTS: '2',
      CONCURRENCY: '2',
      HEADERS: 'x-mock-latency: 3000',
      TIMEOUT: '300ms',
      THRESHOLDS: 'off',
    });
    expect(slow.code, slow.stderr).toBe(0);
    expect(count(slow.summary!, 'llm_errors_timeout')).toBe(2);
    expect(slow.summary!.metrics.stream_ok.values.rate).toBe(0);

    const cut = await engineRun('streaming', 'abort-run', { REQUESTS: '2', CONCURRENCY: '1', HEADERS: 'x-mock-abort: 3', THRESHOLDS: 'off' });
    expect(cut.code, cut.stderr).toBe(0);
    expect(count(cut.summary!, 'llm_errors_connection')).toBe(2);
    // No timing metrics from failed streams.
    expect(count(cut.summary!, 'ttft')).toBe(0);
  });

  it('WARMUP: measured requests are the {phase:measure} submetrics', async () => {
    const run = await engineRun('basic', 'warm-run', { REQUESTS: '10', CONCURRENCY: '2', WARMUP: '1s' });
    expect(run.code, run.stderr).toBe(0);
    const s = run.summary!;
    expect(count(s, 'http_reqs{phase:measure}')).toBe(10);
    expect(count(s, 'http_reqs')).toBeGreaterThan(10);
    expect(count(s, 'http_req_duration{expected_response:true,phase:measure}')).toBe(10);
    expect(s.metrics['checks{phase:measure}'].thresholds).toEqual({ 'rate>0.99': { ok: true } });
    expect(s.llmux.warmup_s).toBe(1);
  });

  it('RATE: open model, every planned arrival either sent or dropped', async () => {
    const run = await engineRun('basic', 'rate-run', { RATE: '20', DURATION: '1s', CONCURRENCY: '2', MAX_VUS: '4' });
    expect(run.code, run.stderr).toBe(0);
    const s = run.summary!;
    expect(count(s, 'iterations') + count(s, 'dropped_iterations')).toBe(20);
    expect(count(s, 'http_reqs')).toBe(count(s, 'iterations'));
    expect(s.llmux).toMatchObject({ rate: 20, max_vus: 4, concurrency: 4, duration_s: 1 });
    expect(run.stdout).toContain('20 req/s, up to 4 VUs');
  });

  it('tools: every answer is tool calls valid for the offered schemas, whole and streamed', async () => {
    const whole = await engineRun('tools', 'tools-run', { REQUESTS: '24', CONCURRENCY: '3' });
    expect(whole.code, whole.stderr).toBe(0);
    const s = whole.summary!;
    expect(count(s, 'http_reqs')).toBe(24);
    expect(s.root_group.checks.map((c) => [c.name, c.passes, c.fails])).toEqual([
      ['status is 200', 24, 0],
      ['body is JSON', 24, 0],
      ['finish_reason is tool_calls', 24, 0],
      ['tool calls are valid', 24, 0],
      ['usage is present', 24, 0],
    ]);
    expect(s.llmux).toMatchObject({ scenario: 'tools', endpoint: '/v1/chat/completions' });
    expect(s.metrics.ttft).toBeUndefined();
    const result = resultFromSummary(s).result;
    expect(result).toMatchObject({ scenario: 'tools', total_requests: 24, success_requests: 24, streaming: null });

    const streamed = await engineRun('tools', 'tools-stream-run', { REQUESTS: '12', CONCURRENCY: '2', STREAM: 'true' });
    expect(streamed.code, streamed.stderr).toBe(0);
    const t = streamed.summary!;
    expect(t.root_group.checks.every((c) => c.passes === 12 && c.fails === 0)).toBe(true);
    expect(t.root_group.checks).toHaveLength(5);
    expect(t.metrics.stream_ok.values.rate).toBe(1);
    expect(count(t, 'ttft')).toBe(12);
    expect(count(t, 'output_tokens')).toBeGreaterThan(12);
  });

  it('responses: streamed by default (typed events, TTFT, tokens), whole with STREAM=false', async () => {
    const run = await engineRun('responses', 'responses-run', { REQUESTS: '20', CONCURRENCY: '2' });
    expect(run.code, run.stderr).toBe(0);
    const s = run.summary!;
    expect(s.llmux).toMatchObject({ scenario: 'responses', endpoint: '/v1/responses' });
    expect(s.root_group.checks.map((c) => c.name)).toEqual([
      'status is 200',
      'stream starts with response.created',
      'stream ends with response.completed',
      'events in sequence',
      'deltas add up to the text',
      'deltas match usage',
    ]);
    expect(s.root_group.checks.every((c) => c.passes === 20 && c.fails === 0)).toBe(true);
    expect(s.metrics.stream_ok.values).toMatchObject({ rate: 1, passes: 20 });
    expect(count(s, 'output_tokens')).toBe(160);
    for (const trend of ['ttft', 'stream_duration', 'itl', 'tokens_per_second']) expect(count(s, trend), trend).toBe(20);
    const result = resultFromSummary(s).result;
    expect(result.scenario).toBe('responses');
    expect(result.streaming?.output_tokens).toBe(160);
    expect(result.streaming?.ttft_p50).toBeGreaterThan(0);

    const whole = await engineRun('responses', 'responses-whole-run', { REQUESTS: '10', CONCURRENCY: '2', STREAM: 'false', MAX_TOKENS: '5' });
    expect(whole.code, whole.stderr).toBe(0);
    expect(whole.summary!.root_group.checks.every((c) => c.passes === 10 && c.fails === 0)).toBe(true);
    expect(whole.summary!.metrics.ttft).toBeUndefined();
    expect(resultFromSummary(whole.summary!).result.streaming).toBeNull();
  });

  it('responses: a cut stream is a connection failure with no timing metrics', async () => {
    const run = await engineRun('responses', 'responses-cut-run', { REQUESTS: '2', CONCURRENCY: '1', HEADERS: 'x-mock-abort: 3', THRESHOLDS: 'off' });
    expect(run.code, run.stderr).toBe(0);
    expect(count(run.summary!, 'llm_errors_connection')).toBe(2);
    expect(count(run.summary!, 'ttft')).toBe(0);
  });

  it('STREAM is refused outside tools and responses, and must be a boolean', async () => {
    const basic = await engineRun('basic', 'stream-basic', { STREAM: 'true' });
    expect(basic.code).toBe(107);
    expect(basic.stderr).toContain('STREAM applies to the tools and responses scenarios only (basic never streams); unset STREAM');
    const bad = await engineRun('responses', 'stream-bad', { STREAM: 'sometimes' });
    expect(bad.code).toBe(107);
    expect(bad.stderr).toContain('STREAM must be true or false, got "sometimes"');
  });

  it('an invalid variable stops the script in init with exit 107 and one message', async () => {
    const run = await engineRun('basic', 'bad-run', { REQUESTS: 'abc' });
    expect(run.code).toBe(107);
    expect(run.stderr).toContain('REQUESTS must be a positive integer, got "abc"');
    expect(run.summary).toBeNull();
  });
});

describe('every request carries a unique prompt (at the wire)', () => {
  let server: Server;
  const prompts: string[] = [];
  const ANSWER = JSON.stringify({
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        prompts.push(JSON.parse(body).messages[0].content);
        res.writeHead(200, { 'content-type': 'application/json' }).end(ANSWER);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('40 requests from 4 VUs, then a second run: 80 different prompts', async () => {
    const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const name of ['uniq-1', 'uniq-2']) {
      const run = await engineRun('basic', name, { TARGET: target, REQUESTS: '40', CONCURRENCY: '4', PROMPT: 'Hello' });
      expect(run.code, run.stderr).toBe(0);
    }
    expect(prompts).toHaveLength(80);
    expect(new Set(prompts).size).toBe(80);
    expect(prompts.every((p) => p.startsWith('Hello [request '))).toBe(true);
  });

  it('tools: a server answering text instead of tool calls fails the checks (bad_body)', async () => {
    const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const run = await engineRun('tools', 'tools-text', { TARGET: target, REQUESTS: '4', CONCURRENCY: '1', THRESHOLDS: 'off' });
    expect(run.code, run.stderr).toBe(0);
    expect(count(run.summary!, 'llm_errors_bad_body')).toBe(4);
    const checks = Object.fromEntries(run.summary!.root_group.checks.map((c) => [c.name, [c.passes, c.fails]]));
    expect(checks).toEqual({
      'status is 200': [4, 0],
      'body is JSON': [4, 0],
      'finish_reason is tool_calls': [0, 4],
      'tool calls are valid': [0, 4],
      'usage is present': [4, 0],
    });
  });
});

const k6 = findK6();
if (!k6) console.warn('k6/run.test.ts: no k6 binary on PATH or K6_BIN; the real-k6 runs are skipped');

describe.skipIf(!k6)('under a real k6 binary', () => {
  it.each(['basic', 'streaming', 'concurrency', 'tools', 'responses'])('%s runs for a few seconds and writes its summary', async (scenario) => {
    const name = `k6-${scenario}`;
    const run = await runProcess(k6!, [
      'run',
      '-q',
      ...envArgs({ TARGET: mock.url, OUTPUT: work, NAME: name, DURATION: '3s', CONCURRENCY: '4' }),
      join(bundles, `${scenario}.js`),
    ]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(work, `${name}.summary.json`), 'utf8')) as Summary;
    expect(count(summary, 'http_reqs')).toBeGreaterThan(0);
    expect(summary.llmux.scenario).toBe(scenario);
    expect(summary.metrics.checks.values.rate).toBe(1);
  });
});
