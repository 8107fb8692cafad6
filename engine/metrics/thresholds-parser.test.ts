import { describe, expect, it } from 'vitest';
import { aggregationKey, compare, parseThresholdExpression } from './thresholds-parser.ts';

describe('parseThresholdExpression', () => {
  it.each([
    ['p(95)<500', 'p', 95, '<', 500],
    ['p(99.99) <= 1000', 'p', 99.99, '<=', 1000],
    ['avg<=200', 'avg', null, '<=', 200],
    ['med < 40.5', 'med', null, '<', 40.5],
    ['min>0', 'min', null, '>', 0],
    ['max >= 1e3', 'max', null, '>=', 1000],
    ['rate<0.01', 'rate', null, '<', 0.01],
    ['count>10', 'count', null, '>', 10],
    ['value===5', 'value', null, '===', 5],
    ['value == 5', 'value', null, '==', 5],
    ['rate != 0', 'rate', null, '!=', 0],
    ['  p( 90 )  <  -1.5  ', 'p', 90, '<', -1.5],
  ])('%s', (input, aggregation, percentile, operator, value) => {
    expect(parseThresholdExpression(input)).toEqual({ aggregation, percentile, operator, value });
  });

  it('builds k6 sink keys', () => {
    expect(aggregationKey(parseThresholdExpression('p(99.9)<1'))).toBe('p(99.9)');
    expect(aggregationKey(parseThresholdExpression('p(95)<1'))).toBe('p(95)');
    expect(aggregationKey(parseThresholdExpression('avg<1'))).toBe('avg');
  });

  it('rejects malformed expressions with a message naming the expression', () => {
    expect(() => parseThresholdExpression('p(95)')).toThrow(
      'failed parsing threshold expression "p(95)"; reason: malformed threshold expression (no operator among <= < >= > === == !=)',
    );
    expect(() => parseThresholdExpression('p95<500')).toThrow(
      `failed parsing threshold expression's "p95<500" left hand side; reason: unknown aggregation method "p95" (expected one of value, count, rate, avg, min, med, max, p(N))`,
    );
    expect(() => parseThresholdExpression('p(101)<5')).toThrow(
      `failed parsing threshold expression's "p(101)<5" left hand side; reason: malformed percentile value "p(101)" (expected p(N) with N between 0 and 100)`,
    );
    expect(() => parseThresholdExpression('p(95)<<500')).toThrow(
      `failed parsing threshold expression's "p(95)<<500" right hand side; reason: "<500" is not a number`,
    );
    expect(() => parseThresholdExpression('avg<')).toThrow(`failed parsing threshold expression's "avg<" right hand side; reason: "" is not a number`);
    expect(() => parseThresholdExpression('avg<5ms')).toThrow('"5ms" is not a number');
  });

  it('compares like k6, NaN failing all but !=', () => {
    expect([compare(1, '<', 2), compare(2, '<=', 2), compare(3, '>', 2), compare(2, '>=', 2)]).toEqual([true, true, true, true]);
    expect([compare(2, '==', 2), compare(2, '===', 2), compare(2, '!=', 2)]).toEqual([true, true, false]);
    expect([compare(Number.NaN, '<', 1), compare(Number.NaN, '>=', 1), compare(Number.NaN, '!=', 1)]).toEqual([false, false, true]);
  });
});
