import { describe, expect, it } from 'vitest';
import type { Metric } from '../metrics/index.ts';
import type { TestRun } from '../runtime.ts';
import { recordCustom } from './metrics.ts';

/** A run that hands out one set of VU tags and keeps the tags of every sample. */
function fakeRun(base: Record<string, string>): { run: TestRun; seen: Record<string, string>[] } {
  const seen: Record<string, string>[] = [];
  const run = { tagsFor: () => base, add: (_m: Metric, _v: number, tags: Record<string, string>) => seen.push(tags) } as unknown as TestRun;
  return { run, seen };
}

const metric = {} as Metric;

describe('recordCustom', () => {
  it('merges the VU tags with the script tags, values as strings', () => {
    const { run, seen } = fakeRun({ scenario: 'default', group: '' });
    recordCustom(run, undefined, metric, 1, { phase: 'measure', n: 3 });
    expect(seen[0]).toEqual({ scenario: 'default', group: '', phase: 'measure', n: '3' });
  });

  it('shares one merged object between samples with the same unchanged tags object', () => {
    const { run, seen } = fakeRun({ scenario: 'default' });
    const tags = { phase: 'measure' };
    recordCustom(run, undefined, metric, 1, tags);
    recordCustom(run, undefined, metric, 2, tags);
    expect(seen[1]).toBe(seen[0]);
  });

  it('sees a tags object changed between two samples', () => {
    const { run, seen } = fakeRun({ scenario: 'default' });
    const tags: Record<string, unknown> = { phase: 'warmup' };
    recordCustom(run, undefined, metric, 1, tags);
    tags.phase = 'measure';
    recordCustom(run, undefined, metric, 1, tags);
    tags.kind = 'timeout';
    recordCustom(run, undefined, metric, 1, tags);
    delete tags.kind;
    delete tags.phase;
    tags.other = 'measure';
    recordCustom(run, undefined, metric, 1, tags);
    expect(seen.map((t) => ({ ...t }))).toEqual([
      { scenario: 'default', phase: 'warmup' },
      { scenario: 'default', phase: 'measure' },
      { scenario: 'default', phase: 'measure', kind: 'timeout' },
      { scenario: 'default', other: 'measure' },
    ]);
    expect(seen[0]).toEqual({ scenario: 'default', phase: 'warmup' });
  });

  it('takes the VU tags as they are now', () => {
    const tags = { phase: 'measure' };
    const a = fakeRun({ scenario: 'a' });
    const b = fakeRun({ scenario: 'b' });
    recordCustom(a.run, undefined, metric, 1, tags);
    recordCustom(b.run, undefined, metric, 1, tags);
    expect(b.seen[0]).toEqual({ scenario: 'b', phase: 'measure' });
  });
});
