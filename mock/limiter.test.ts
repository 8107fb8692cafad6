import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from './limiter.ts';

describe('ConcurrencyLimiter', () => {
  it('grants up to the limit at once, queues the rest first in first out, and hands each freed slot on with its end time', () => {
    const limiter = new ConcurrencyLimiter(2);
    const granted: Array<[string, number | null]> = [];
    const ask = (name: string) => limiter.acquire((freedAt) => granted.push([name, freedAt]));
    ask('a');
    ask('b');
    const c = ask('c');
    ask('d');
    expect(granted).toEqual([['a', null], ['b', null]]);
    expect(limiter.waiting).toBe(2);
    limiter.release(1050);
    expect(granted.at(-1)).toEqual(['c', 1050]);
    // A cancelled waiter (its client went away) is skipped.
    c.cancelled = true;
    limiter.release();
    expect(granted.at(-1)).toEqual(['d', null]);
    expect(limiter.waiting).toBe(0);
    limiter.release();
    limiter.release();
    ask('e');
    ask('f');
    expect(granted.slice(-2)).toEqual([['e', null], ['f', null]]);
  });
});
