import { describe, expect, it } from 'vitest';
import { GroupTree, MetricRegistry } from '../metrics/index.ts';
import { SampleBatcher, SampleMerger } from './sample-stream.ts';

describe('samples from a segment worker', () => {
  it('arrive in the main registry as they were recorded: metrics, tags, values, times; submetrics and custom metrics included', () => {
    const worker = new MetricRegistry();
    const main = new MetricRegistry();
    const sub = main.addSubmetric('http_req_duration{status:500}');
    const seen: Array<[string, number, Record<string, string>, number]> = [];
    main.onSample((m, v, tags, t) => void seen.push([m.name, v, { ...tags }, t]));
    const batcher = new SampleBatcher();
    worker.onSample((m, v, tags, t) => batcher.add(m, v, tags, t));
    const merger = new SampleMerger(main);

    const ok = { status: '200', scenario: 's' };
    const custom = worker.define('llm_tokens', 'counter');
    // More samples than the first capacity: the columns grow.
    for (let i = 0; i < 1500; i++) worker.add('http_req_duration', i, i % 3 === 0 ? { status: '500', scenario: 's' } : ok, 1_000 + i);
    worker.addTo(custom, 7, ok, 5_000);
    merger.apply(batcher.take()!);
    // A second batch refers to what the first one defined.
    worker.add('http_req_duration', 2, ok, 6_000);
    const second = batcher.take()!;
    expect(second.metrics).toEqual([]);
    expect(second.tagSets).toEqual([]);
    merger.apply(second);
    expect(batcher.take()).toBeNull();

    expect(seen).toHaveLength(1502);
    expect(seen[1]).toEqual(['http_req_duration', 1, ok, 1_001]);
    expect(seen[1500]).toEqual(['llm_tokens', 7, ok, 5_000]);
    expect(main.get('llm_tokens')!.type).toBe('counter');
    expect((main.get('http_req_duration')!.sink as { count: number }).count).toBe(1501);
    expect((sub.sink as { count: number }).count).toBe(500);
  });

  it('group trees of the workers merge into the main one (check counts added)', () => {
    const a = new GroupTree();
    const b = new GroupTree();
    a.recordCheck('::g', 'ok', true);
    a.recordCheck('::g', 'ok', false);
    b.recordCheck('::g', 'ok', true);
    b.recordCheck('::g::inner', 'deep', true);
    b.ensureGroup('', 'empty');
    const main = new GroupTree();
    main.recordCheck('', 'setup ran', true);
    main.merge(a.toJSON());
    main.merge(b.toJSON());
    const root = main.toJSON();
    expect(root.checks.map((c) => [c.name, c.passes, c.fails])).toEqual([['setup ran', 1, 0]]);
    const g = root.groups.find((x) => x.name === 'g')!;
    expect(g.checks.map((c) => [c.name, c.passes, c.fails])).toEqual([['ok', 2, 1]]);
    expect(g.groups[0].checks[0]).toMatchObject({ name: 'deep', passes: 1, path: '::g::inner::deep' });
    expect(root.groups.map((x) => x.name)).toEqual(['g', 'empty']);
  });
});
