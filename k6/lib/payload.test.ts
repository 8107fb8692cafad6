import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { chatBody, newRunId, requestHeaders, uniquePrompt } from './payload.ts';

describe('uniquePrompt', () => {
  it('differs for every VU, iteration, scenario and run', () => {
    const seen = new Set<string>();
    for (const run of ['r1', 'r2']) {
      for (const scenario of ['warmup', 'basic']) {
        for (let vu = 1; vu <= 40; vu++) {
          for (let iteration = 0; iteration < 40; iteration++) {
            seen.add(uniquePrompt('Hello', { run, scenario, vu, iteration }));
          }
        }
      }
    }
    expect(seen.size).toBe(2 * 2 * 40 * 40);
  });

  it('does not collide where digits could run together (vu 1 iter 12 vs vu 11 iter 2)', () => {
    const a = uniquePrompt('p', { run: 'r', scenario: 's', vu: 1, iteration: 12 });
    const b = uniquePrompt('p', { run: 'r', scenario: 's', vu: 11, iteration: 2 });
    expect(a).not.toBe(b);
    expect(a.startsWith('p ')).toBe(true);
  });

  it('run ids differ between runs started in the same millisecond', () => {
    expect(newRunId(1_700_000_000_000, 0.1)).not.toBe(newRunId(1_700_000_000_000, 0.2));
    expect(newRunId(1_700_000_000_000, 0.1)).toMatch(/^[0-9a-z]+$/);
  });
});

describe('chatBody', () => {
  const config = parseConfig({ MODEL: 'm1' }, 'basic');

  it('non-streaming body', () => {
    expect(JSON.parse(chatBody(config, 'hi', false))).toEqual({ model: 'm1', messages: [{ role: 'user', content: 'hi' }] });
  });

  it('streaming body asks for usage; MAX_TOKENS is sent when set', () => {
    const withMax = parseConfig({ MAX_TOKENS: '32' }, 'streaming');
    expect(JSON.parse(chatBody(withMax, 'hi', true))).toEqual({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 32,
      stream: true,
      stream_options: { include_usage: true },
    });
  });
});

describe('requestHeaders', () => {
  it('sends the key as a Bearer token plus HEADERS', () => {
    const config = parseConfig({ API_KEY: 'sk-1', HEADERS: '{"X-Team":"a"}' }, 'basic');
    expect(requestHeaders(config, false)).toEqual({
      'Content-Type': 'application/json',
      'X-Team': 'a',
      Authorization: 'Bearer sk-1',
    });
    expect(requestHeaders(config, true).Accept).toBe('text/event-stream');
  });

  it('API_KEY="" sends no Authorization; an Authorization in HEADERS wins', () => {
    expect(requestHeaders(parseConfig({ API_KEY: '' }, 'basic'), false)).not.toHaveProperty('Authorization');
    const custom = requestHeaders(parseConfig({ HEADERS: 'authorization: Basic eA==' }, 'basic'), false);
    expect(custom.authorization).toBe('Basic eA==');
    expect(custom).not.toHaveProperty('Authorization');
  });
});
