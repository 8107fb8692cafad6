import { describe, expect, it } from 'vitest';
import { parseCommandArgs, UsageError } from '../lib/cli.ts';
import { scriptEnv, splitSecrets } from './bench.ts';
import { benchCommand, toBenchOptions } from './cli.ts';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => toBenchOptions(parseCommandArgs(benchCommand, argv, env));

describe('bench flags', () => {
  it("keeps the seed's defaults and benchmarks the mock itself without --target", () => {
    const opts = parse([]);
    expect(opts).toMatchObject({
      target: null,
      scenario: 'basic',
      name: 'benchmark',
      output: 'results/',
      durationS: 0,
      requests: null, // the scenario's default (10000) applies
      concurrency: null, // 100, or the concurrency scenario's own ramp
      engine: 'auto',
      repeat: 1,
      baseline: true,
      warmupS: 0, // no fixed warm-up inside the run...
      warmupAuto: true, // ...but one until throughput is steady before it
      maxDurationS: 600,
      pin: true,
    });
    expect(opts.mockArgs).toEqual(['--port', '0']);
    expect(opts.mockSettings).toEqual({ latency: 50_000_000, itl: 10_000_000, tokens: 20, seed: 1, jitter: 'none' });
  });

  it('puts the mock on 8080 for a proxy started elsewhere, on a free port for --target-cmd', () => {
    expect(parse(['--target', 'http://localhost:4000']).mockArgs).toEqual(['--port', '8080']);
    expect(parse(['--target', 'http://localhost:4000', '--target-cmd', 'proxy']).mockArgs).toEqual(['--port', '0']);
    expect(parse(['--target', 'http://localhost:4000', '--mock-port', '9000']).mockArgs).toEqual(['--port', '9000']);
  });

  it('passes mock settings through and records them in ns', () => {
    const opts = parse(['--mock-latency', '5ms', '--mock-itl', '1ms', '--mock-error-rate', '0.1', '--mock-arg=--abort-rate 0.05']);
    expect(opts.mockArgs).toEqual(['--latency', '5ms', '--itl', '1ms', '--error-rate', '0.1', '--port', '0', '--abort-rate', '0.05']);
    expect(opts.mockSettings).toMatchObject({ latency: 5_000_000, itl: 1_000_000, error_rate: 0.1, error_status: 500, abort_rate: 0.05 });
  });

  it('maps the load flags to the scenario environment, secrets only there', () => {
    const opts = parse([
      '--target', 'http://127.0.0.1:3000/', '--requests', '500', '--concurrency', '20', '--duration', '1m', '--rate', '50',
      '--api-key', 'sk-1', '--header', 'X-A: one; two', '--header', 'X-B:3', '--model', 'm', '--endpoint', '/v1/completions',
    ]);
    expect(opts.durationS).toBe(60);
    expect(opts.headers).toEqual({ 'X-A': 'one; two', 'X-B': '3' });
    expect(scriptEnv(opts, 'http://t', 'run', '/tmp/x')).toEqual({
      TARGET: 'http://t', NAME: 'run', OUTPUT: '/tmp/x', WARMUP: '0', REQUESTS: '500', CONCURRENCY: '20', DURATION: '60', RATE: '50',
      MODEL: 'm', ENDPOINT: '/v1/completions', API_KEY: 'sk-1', HEADERS: '{"X-A":"one; two","X-B":"3"}',
    });
  });

  it('takes --warmup auto (the default), a fixed length, or 0; --max-duration; --no-pin', () => {
    expect(parse(['--warmup', '5']).warmupS).toBe(5);
    expect(parse(['--warmup', '5']).warmupAuto).toBe(false);
    expect(parse(['--warmup', '0'])).toMatchObject({ warmupS: 0, warmupAuto: false });
    expect(parse(['--warmup', 'auto'])).toMatchObject({ warmupS: 0, warmupAuto: true });
    expect(() => parse(['--warmup', 'soon'])).toThrow(/--warmup/);
    expect(parse(['--max-duration', '90s']).maxDurationS).toBe(90);
    expect(parse(['--max-duration', '0']).maxDurationS).toBe(0);
    expect(parse(['--no-pin']).pin).toBe(false);
  });

  it('keeps the API key and headers off the load generator command line', () => {
    const { env, secretEnv } = splitSecrets({ TARGET: 't', API_KEY: 'k', HEADERS: '{"X":"v"}' });
    expect(env).toEqual({ TARGET: 't' });
    expect(secretEnv).toEqual({ API_KEY: 'k', HEADERS: '{"X":"v"}' });
    expect(splitSecrets({ TARGET: 't' }).secretEnv).toEqual({});
  });

  it('--scenario tools|responses with --stream / --no-stream set STREAM; unset, the scenario decides', () => {
    expect(parse(['--scenario', 'tools', '--stream'])).toMatchObject({ scenario: 'tools', stream: true });
    expect(parse(['--scenario', 'responses', '--no-stream'])).toMatchObject({ scenario: 'responses', stream: false });
    expect(parse(['--scenario', 'responses']).stream).toBeNull();
    expect(scriptEnv(parse(['--scenario', 'responses', '--no-stream']), 'http://t', 'n', 'o').STREAM).toBe('false');
    expect(scriptEnv(parse(['--scenario', 'tools']), 'http://t', 'n', 'o')).not.toHaveProperty('STREAM');
  });

  it('reads the API key from BENCH_API_KEY', () => {
    expect(parse([], { BENCH_API_KEY: 'from-env' }).apiKey).toBe('from-env');
  });

  it.each([
    [['--requests', '0'], /--requests/],
    [['--scenario', 'nope'], /--scenario: expected basic, streaming, concurrency/],
    [['--target', 'localhost:3000'], /--target: expected an http/],
    [['--target-cmd', 'x'], /--target-cmd needs --target/],
    [['--target-pid', '12'], /--target-pid needs --target/],
    [['--target', 'http://a', '--target-pid', '12', '--target-cmd', 'x'], /exclude each other/],
    [['--scenario', 'concurrency', '--rate', '5'], /--rate/],
    [['--max-vus', '5'], /--max-vus only applies with --rate/],
    [['--stream'], /^--stream applies to the tools and responses scenarios only \(basic never streams\)$/],
    [['--scenario', 'streaming', '--no-stream'], /^--no-stream applies to the tools and responses scenarios only \(streaming always streams\)$/],
    [['--mock-latency', 'soon'], /^--mock-latency: expected a duration/],
    [['--mock-arg=--tokens -1'], /^--mock-arg: Option '--tokens'/],
    [['--mock-arg=--tokens x'], /^--mock-arg --tokens: expected a number/],
    [['--name', 'a/b'], /--name/],
    [['--repeat', '0'], /--repeat/],
    [['stray'], /unexpected argument 'stray'/],
  ])('rejects %j with a message naming the flag', (argv, message) => {
    expect(() => parse(argv as string[])).toThrow(UsageError);
    expect(() => parse(argv as string[])).toThrow(message);
  });

  it('never quotes a header value in an error', () => {
    expect(() => parse(['--header', 'no colon hunter2'])).toThrow(/^--header #1: expected "Name: value"/);
    try {
      parse(['--header', 'no colon hunter2']);
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});
