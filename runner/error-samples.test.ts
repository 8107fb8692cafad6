import { describe, expect, it } from 'vitest';
import { encodeSampleLine } from '../contract/error-sample-line.ts';
import { SampleCollector } from './error-samples.ts';

const line = (vu: number, kind: string, status: number | null, body: string, count: number) =>
  `INFO[0001] ${encodeSampleLine({ vu, kind, status, body, count })}  source=console`;

describe('SampleCollector', () => {
  it('merges VUs, keeps each VU\'s highest count, and uses the exact total when a kind has one answer', () => {
    const c = new SampleCollector();
    for (const [vu, n] of [[1, 1], [1, 2], [1, 4], [2, 1], [2, 2]] as const) expect(c.take(line(vu, 'http_5xx', 502, 'bad gateway', n))).toBe(true);
    expect(c.take('INFO[0001] something else  source=console')).toBe(false);
    expect(c.merge({ http_429: 0, http_4xx: 0, http_5xx: 9, timeout: 0, connection: 0, bad_body: 0 })).toEqual([
      { kind: 'http_5xx', status: 502, count: 9, body: 'bad gateway' },
    ]);
  });

  it('keeps 5 samples per kind, most frequent first, counts as reported (lower bounds), bodies redacted', () => {
    const c = new SampleCollector();
    for (let i = 0; i < 7; i++) c.take(line(i, 'http_4xx', 400, `key sk-1234 body ${i}`, i + 1));
    c.take(line(1, 'timeout', null, 'request timeout', 2));
    const samples = c.merge({ http_4xx: 40, timeout: 2 } as never, (t) => t.replace('sk-1234', '***'));
    expect(samples.map((s) => [s.kind, s.count, s.body])).toEqual([
      ['http_4xx', 7, 'key *** body 6'], ['http_4xx', 6, 'key *** body 5'], ['http_4xx', 5, 'key *** body 4'], ['http_4xx', 4, 'key *** body 3'], ['http_4xx', 3, 'key *** body 2'],
      ['timeout', 2, 'request timeout'],
    ]);
  });
});
