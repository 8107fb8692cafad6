// The runner's pages are a contract: what docs/runner.md and the README say `npm run bench` does by
// default is what the code does, and the k6 page's claims about the cloud flags hold. (Flag tables
// are generated and checked in lib/docs/; every command line's flags in lib/docs/command-lines.test.ts.)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { flagsIn, acceptedFlags } from '../lib/docs/command-lines.ts';
import { DEFAULT_MOCK_OPTIONS } from '../mock/options.ts';
import { benchCommand } from './cli.ts';
import { cloudSpec } from './cloud/cli.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (page: string) => readFileSync(`${ROOT}/${page}`, 'utf8');

describe('docs/runner.md and the README on the first run', () => {
  const defaults = {
    requests: /default: (\d+)\)/.exec(benchCommand.flags.requests.description)![1],
    vus: /default: (\d+);/.exec(benchCommand.flags.concurrency.description)![1],
    warmup: benchCommand.flags.warmup.default,
    latency: DEFAULT_MOCK_OPTIONS.latencyMs,
    tokens: DEFAULT_MOCK_OPTIONS.tokens,
  };

  it('the runner page states the defaults the code has', () => {
    const steps = /## The first run([\s\S]*?)```/.exec(read('docs/runner.md'))![1];
    expect(steps).toContain(`(${defaults.latency} ms latency, ${defaults.tokens} tokens)`);
    expect(steps).toContain(`a ${defaults.warmup} s warm-up`);
    expect(steps).toContain(`then ${defaults.requests} requests over ${defaults.vus} virtual users`);
  });

  it('the README states the same defaults', () => {
    const step = /\*\*1\. Benchmark the mock itself\.\*\*([\s\S]*?)```/.exec(read('README.md'))![1].replace(/\s+/g, ' ');
    expect(step).toContain(`(${defaults.latency} ms to answer, ${defaults.tokens} tokens), sends it ${defaults.requests} requests over ${defaults.vus} virtual users after a ${defaults.warmup} s warm-up`);
  });
});

describe('docs/k6-and-cloud.md on the cloud command', () => {
  const k6 = read('docs/k6-and-cloud.md');
  const cloud = acceptedFlags(cloudSpec);

  it('the flags the cloud command takes "too" are cloud flags', () => {
    const sentence = /The other `bench` load flags are accepted too:([\s\S]*?)k6's exit code/.exec(k6)![1];
    const flags = flagsIn(sentence);
    expect(flags.length).toBeGreaterThan(8);
    expect(flags.filter((flag) => !cloud.has(flag))).toEqual([]);
  });

  it('describes --max-vus as the total VU ceiling', () => {
    expect(cloudSpec.flags.maxVus.description).toMatch(/total VU ceiling/);
    expect(benchCommand.flags.maxVus.description).toMatch(/total VU ceiling/);
    expect(k6).toMatch(/`--max-vus`[^.]*total VU ceiling/);
  });
});
