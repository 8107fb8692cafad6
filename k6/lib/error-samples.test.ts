import { describe, expect, it } from 'vitest';
import { parseSampleLine } from '../../contract/error-sample-line.ts';
import { cutBytes, ErrorSampler, sampleBody, SAMPLE_BODY_BYTES, SAMPLES_PER_KIND } from './error-samples.ts';

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

describe('ErrorSampler', () => {
  it('logs a sample when first seen and when its count doubles', () => {
    const sampler = new ErrorSampler();
    const logged: number[] = [];
    for (let i = 1; i <= 20; i++) {
      const line = sampler.note(3, 'http_5xx', 502, 'bad gateway');
      if (line) logged.push(parseSampleLine(line)!.count);
    }
    expect(logged).toEqual([1, 2, 4, 8, 16]);
  });

  it(`keeps at most ${SAMPLES_PER_KIND} distinct samples per kind and VU`, () => {
    const sampler = new ErrorSampler();
    const lines = Array.from({ length: 8 }, (_, i) => sampler.note(1, 'http_4xx', 400 + i, `body ${i}`));
    expect(lines.filter(Boolean)).toHaveLength(SAMPLES_PER_KIND);
    expect(sampler.note(1, 'timeout', null, 'request timeout')).not.toBeNull(); // another kind
    expect(sampler.note(2, 'http_4xx', 407, 'body 7')).not.toBeNull(); // another VU
  });
});

describe('sampleBody', () => {
  it('redacts secrets and cuts to 300 UTF-8 bytes without splitting a character', () => {
    const body = `key sk-secret-123 rejected; ${'é'.repeat(400)}`;
    const out = sampleBody(body, ['sk-secret-123', 'ab']);
    expect(out.startsWith('key *** rejected; é')).toBe(true);
    expect(utf8(out)).toBeLessThanOrEqual(SAMPLE_BODY_BYTES);
    expect(utf8(out)).toBeGreaterThanOrEqual(SAMPLE_BODY_BYTES - 1);
    expect(cutBytes('a😀b', 4)).toBe('a');
    expect(cutBytes('a😀b', 5)).toBe('a😀');
  });
});
