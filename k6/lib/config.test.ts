import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, parseDistribution, parseHeaders, summaryPath } from './config.ts';

const error = (env: Record<string, string>, scenario: 'basic' | 'streaming' | 'concurrency' = 'basic') => {
  try {
    parseConfig(env, scenario);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('parseConfig defaults', () => {
  it('uses the documented defaults', () => {
    const config = parseConfig({}, 'basic');
    expect(config).toMatchObject({
      target: 'http://localhost:3000',
      endpoint: '/v1/chat/completions',
      url: 'http://localhost:3000/v1/chat/completions',
      requests: 10000,
      concurrency: 100,
      durationMs: 0,
      rate: null,
      maxVUs: null,
      warmupMs: 0,
      name: 'benchmark',
      output: 'results/',
      model: 'gpt-4o',
      apiKey: 'benchmark-test-key',
      headers: {},
      maxTokens: null,
      timeoutMs: 60_000,
      thresholds: { errorRate: 0.01, checksRate: 0.99, p95Ms: null, ttftP95Ms: null },
      cloud: { name: 'benchmark basic' },
    });
  });

  it('defaults to 1000 VUs and no pass/fail thresholds for the concurrency scenario', () => {
    const config = parseConfig({}, 'concurrency');
    expect(config.concurrency).toBe(1000);
    expect(config.thresholds).toEqual({ errorRate: null, checksRate: null, p95Ms: null, ttftP95Ms: null });
    expect(parseConfig({ THRESHOLD_ERROR_RATE: '0.5' }, 'concurrency').thresholds.errorRate).toBe(0.5);
  });

  it('treats blank values as unset', () => {
    expect(parseConfig({ REQUESTS: '', TARGET: ' ', DURATION: '' }, 'basic')).toMatchObject({
      requests: 10000,
      target: 'http://localhost:3000',
      durationMs: 0,
    });
  });

  it('reads every variable', () => {
    const config = parseConfig(
      {
        TARGET: 'https://proxy.example:8443/base/',
        ENDPOINT: '/openai/chat',
        REQUESTS: '50',
        CONCURRENCY: '7',
        DURATION: '1m30s',
        RATE: '2.5',
        MAX_VUS: '20',
        WARMUP: '5',
        NAME: 'llmux-1.2',
        OUTPUT: '/tmp/out',
        MODEL: 'llama',
        API_KEY: 'sk-secret',
        HEADERS: 'X-Team: a; X-Trace: 1',
        MAX_TOKENS: '64',
        PROMPT: 'Hi',
        TIMEOUT: '2s',
        THRESHOLD_P95_MS: '250',
        THRESHOLD_TTFT_P95_MS: '80.5',
        THRESHOLD_ERROR_RATE: 'off',
        THRESHOLD_CHECKS_RATE: '0.5',
        CLOUD_NAME: 'nightly',
        CLOUD_PROJECT_ID: '123',
        CLOUD_DISTRIBUTION: 'amazon:us:ashburn=50,amazon:ie:dublin=50',
      },
      'streaming',
    );
    expect(config).toMatchObject({
      target: 'https://proxy.example:8443/base',
      url: 'https://proxy.example:8443/base/openai/chat',
      requests: 50,
      concurrency: 7,
      durationMs: 90_000,
      rate: 2.5,
      maxVUs: 20,
      warmupMs: 5000,
      name: 'llmux-1.2',
      output: '/tmp/out',
      model: 'llama',
      apiKey: 'sk-secret',
      headers: { 'X-Team': 'a', 'X-Trace': '1' },
      maxTokens: 64,
      prompt: 'Hi',
      timeoutMs: 2000,
      thresholds: { errorRate: null, checksRate: 0.5, p95Ms: 250, ttftP95Ms: 80.5 },
      cloud: {
        name: 'nightly',
        projectID: 123,
        distribution: {
          ashburn: { loadZone: 'amazon:us:ashburn', percent: 50 },
          dublin: { loadZone: 'amazon:ie:dublin', percent: 50 },
        },
      },
    });
  });

  it('THRESHOLDS=off drops every pass/fail threshold', () => {
    expect(parseConfig({ THRESHOLDS: 'off', THRESHOLD_P95_MS: '100' }, 'basic').thresholds).toEqual({
      errorRate: null,
      checksRate: null,
      p95Ms: null,
      ttftP95Ms: null,
    });
  });

  it('API_KEY="" sends no key', () => {
    expect(parseConfig({ API_KEY: '' }, 'basic').apiKey).toBe('');
  });
});

describe('tools and responses scenarios', () => {
  it('responses posts to /v1/responses and streams by default; tools to chat, not streamed', () => {
    expect(parseConfig({}, 'responses')).toMatchObject({ endpoint: '/v1/responses', stream: true, url: 'http://localhost:3000/v1/responses' });
    expect(parseConfig({}, 'tools')).toMatchObject({ endpoint: '/v1/chat/completions', stream: false });
    expect(parseConfig({ STREAM: 'false' }, 'responses').stream).toBe(false);
    expect(parseConfig({ STREAM: 'TRUE' }, 'tools').stream).toBe(true);
    expect(parseConfig({ STREAM: ' ' }, 'tools').stream).toBe(false);
    expect(parseConfig({}, 'streaming').stream).toBe(true);
    expect(parseConfig({}, 'basic').stream).toBe(false);
  });

  it('STREAM errors name the variable', () => {
    expect(() => parseConfig({ STREAM: 'maybe' }, 'tools')).toThrow('STREAM must be true or false, got "maybe"');
    expect(() => parseConfig({ STREAM: 'true' }, 'concurrency')).toThrow('STREAM applies to the tools and responses scenarios only (concurrency never streams); unset STREAM');
  });
});

describe('parseConfig errors name the variable', () => {
  it.each([
    [{ REQUESTS: 'abc' }, 'REQUESTS must be a positive integer, got "abc"'],
    [{ REQUESTS: '0' }, 'REQUESTS must be a positive integer, got "0"'],
    [{ REQUESTS: '1.5' }, 'REQUESTS must be a positive integer, got "1.5"'],
    [{ REQUESTS: '-3' }, 'REQUESTS must be a positive integer, got "-3"'],
    [{ CONCURRENCY: 'many' }, 'CONCURRENCY must be a positive integer, got "many"'],
    [{ MAX_TOKENS: '0' }, 'MAX_TOKENS must be a positive integer, got "0"'],
    [{ DURATION: '10x' }, 'DURATION must be a duration in seconds or k6 form like "30s", "1m30s", got "10x"'],
    [{ DURATION: '-5' }, 'DURATION must be a duration in seconds or k6 form like "30s", "1m30s", got "-5"'],
    [{ WARMUP: 'soon' }, 'WARMUP must be a duration in seconds or k6 form like "30s", "1m30s", got "soon"'],
    [{ TIMEOUT: 'x' }, 'TIMEOUT must be a duration in seconds or k6 form like "30s", "1m30s", got "x"'],
    [{ TIMEOUT: '0' }, 'TIMEOUT must be greater than 0, got "0"'],
    [{ RATE: 'fast' }, 'RATE must be a positive number, got "fast"'],
    [{ RATE: '0' }, 'RATE must be a positive number, got "0"'],
    [{ RATE: '0.0001' }, 'RATE must have at most 3 decimals, got "0.0001"'],
    [{ MAX_VUS: '10' }, 'MAX_VUS only applies with RATE (open model); set RATE or unset MAX_VUS'],
    [{ RATE: '5', MAX_VUS: 'x' }, 'MAX_VUS must be a positive integer, got "x"'],
    [{ TARGET: 'localhost:3000' }, 'TARGET must be an http:// or https:// URL without query, got "localhost:3000"'],
    [{ TARGET: 'http://a/b?c=1' }, 'TARGET must be an http:// or https:// URL without query, got "http://a/b?…"'],
    [{ TARGET: 'http://proxy/v1?api-key=sk-secret' }, 'TARGET must be an http:// or https:// URL without query, got "http://proxy/v1?…"'],
    [{ TARGET: 'http://proxy/v1#sk-secret' }, 'TARGET must be an http:// or https:// URL without query, got "http://proxy/v1#…"'],
    [{ TARGET: 'user:sk-secret@proxy:3000' }, 'TARGET must be an http:// or https:// URL without query, got "…@proxy:3000"'],
    [{ TARGET: 'http://user:sk-secret@pro xy/?k=sk-secret' }, 'TARGET must not contain user:password@ (send credentials with API_KEY or HEADERS)'],
    [{ TARGET: 'http://user:s3cret@proxy:3000' }, 'TARGET must not contain user:password@ (send credentials with API_KEY or HEADERS)'],
    [{ ENDPOINT: 'v1/chat' }, 'ENDPOINT must be a path starting with "/", got "v1/chat"'],
    [{ NAME: '../x' }, 'NAME must use only letters, digits, ".", "_" and "-" (it names files), got "../x"'],
    [{ NAME: 'a b' }, 'NAME must use only letters, digits, ".", "_" and "-" (it names files), got "a b"'],
    [{ THRESHOLD_ERROR_RATE: '2' }, 'THRESHOLD_ERROR_RATE must be a rate between 0 and 1 or "off", got "2"'],
    [{ THRESHOLD_CHECKS_RATE: 'high' }, 'THRESHOLD_CHECKS_RATE must be a rate between 0 and 1 or "off", got "high"'],
    [{ THRESHOLD_P95_MS: '0' }, 'THRESHOLD_P95_MS must be a positive number of milliseconds or "off", got "0"'],
    [{ THRESHOLD_TTFT_P95_MS: 'x' }, 'THRESHOLD_TTFT_P95_MS must be a positive number of milliseconds or "off", got "x"'],
    [{ THRESHOLDS: 'no' }, 'THRESHOLDS must be "on" or "off", got "no"'],
    [{ CLOUD_PROJECT_ID: 'p1' }, 'CLOUD_PROJECT_ID must be a positive integer, got "p1"'],
    [{ CLOUD_DISTRIBUTION: 'ashburn' }, 'CLOUD_DISTRIBUTION must look like "amazon:us:ashburn=50,amazon:ie:dublin=50", got "ashburn"'],
    [{ CLOUD_DISTRIBUTION: 'amazon:us:ashburn=60' }, 'CLOUD_DISTRIBUTION percentages must add up to 100, got 60'],
    [{ API_KEY: 'sk-1\nX: y' }, 'API_KEY must not contain line breaks'],
  ])('%j', (env, message) => {
    expect(error(env)).toBe(message);
  });

  it('rejects RATE in the concurrency scenario', () => {
    expect(error({ RATE: '10' }, 'concurrency')).toBe(
      'RATE is not supported by the concurrency scenario (it ramps VUs); unset RATE',
    );
  });
});

describe('parseHeaders', () => {
  it('reads a JSON object and Name: value pairs', () => {
    expect(parseHeaders('{"X-A":"1","x-b":"two: 2"}')).toEqual({ 'X-A': '1', 'x-b': 'two: 2' });
    expect(parseHeaders('X-A: 1;x-b:two: 2\nX-C:  3 ')).toEqual({ 'X-A': '1', 'x-b': 'two: 2', 'X-C': '3' });
    expect(parseHeaders(undefined)).toEqual({});
    expect(parseHeaders('  ')).toEqual({});
    expect(parseHeaders('X-A: 1;')).toEqual({ 'X-A': '1' });
  });

  it.each([
    ['{"X-A":', 'HEADERS must be a JSON object of strings or "Name: value; Name2: value2", got invalid JSON'],
    ['{"X-A": 1}', 'HEADERS value of "X-A" must be a string'],
    ['{"bad name":"v"}', 'HEADERS has an invalid header name "bad name"'],
    ['X-A', 'HEADERS must be a JSON object of strings or "Name: value; Name2: value2", found an entry without ":"'],
    ['Content-Type: text/plain', 'HEADERS must not set "Content-Type": the scenario sets it'],
    ['{"X-A":"v\\r\\nInjected: 1"}', 'HEADERS value of "X-A" must not contain line breaks'],
  ])('%s → one message naming HEADERS', (text, message) => {
    expect(() => parseHeaders(text)).toThrow(message);
  });

  it('never puts a header value into an error message', () => {
    for (const text of ['{"X-A": "secret-value\\n"}', '{"X-A": ["secret-value"]}', 'Host: secret-value']) {
      try {
        parseHeaders(text);
        throw new Error('expected an error');
      } catch (err) {
        expect((err as Error).message).toMatch(/^HEADERS /);
        expect((err as Error).message).not.toContain('secret-value');
      }
    }
  });
});

describe('parseDistribution', () => {
  it('labels load zones by city and keeps duplicates apart', () => {
    expect(parseDistribution('amazon:us:ashburn=40, amazon:us:ashburn=60')).toEqual({
      ashburn: { loadZone: 'amazon:us:ashburn', percent: 40 },
      ashburn2: { loadZone: 'amazon:us:ashburn', percent: 60 },
    });
  });
});

describe('summaryPath', () => {
  it('joins OUTPUT with or without a trailing slash', () => {
    expect(summaryPath({ output: 'results/', name: 'x' })).toBe('results/x.summary.json');
    expect(summaryPath({ output: 'results', name: 'x' })).toBe('results/x.summary.json');
    expect(summaryPath({ output: '/tmp/a//', name: 'x' })).toBe('/tmp/a/x.summary.json');
    expect(summaryPath({ output: '/', name: 'x' })).toBe('/x.summary.json');
  });
});
